//! Property tests of the parsers: whatever the input, no panic; errors point
//! inside the file; emitted YAML reads back as the same data.

use hearth::render::{canonical, yaml};
use hearth::site::values::{Cron, Image, Quantity, SealedValue};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // strings made of YAML's troublemakers and arbitrary text
        prop_oneof![
            prop::sample::select(vec![
                "on",
                "off",
                "yes",
                "no",
                "y",
                "n",
                "~",
                "null",
                "true",
                "0755",
                "0o17",
                "0x1F",
                "1e3",
                "1_000",
                ".5",
                "08",
                "2024-01-01",
                "12:30",
                "-",
                "- x",
                ": x",
                "#x",
                "a #b",
                "'",
                "\"",
                "*a",
                "&a",
                "!tag",
                "%x",
                "@x",
                "`x",
                "[",
                "{",
                "}",
                ",",
                "?",
                " lead",
                "trail ",
                "",
                "\t",
                "line\nline",
                "line\n",
                "\n\nx",
                "x\r\ny",
                "é",
                "\u{85}",
                "\u{2028}",
                "\u{feff}x",
            ])
            .prop_map(|s| Value::String(s.to_string())),
            "\\PC{0,20}".prop_map(Value::String),
            any::<String>().prop_map(Value::String),
        ],
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z0-9_./-]{1,12}|on|y|n|null|1|", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn emitted_yaml_reads_back_as_the_same_data(v in json_value()) {
        let text = canonical::to_yaml(&v).expect("serialises");
        let docs = yaml::documents(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        prop_assert_eq!(docs.len(), 1, "{}", text);
        prop_assert_eq!(&docs[0], &v, "{}", text);
    }

    #[test]
    fn the_yaml_reader_never_panics(s in any::<String>()) {
        let _ = yaml::documents(&s);
    }

    #[test]
    fn site_parse_never_panics_and_points_inside_the_file(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Err(e) = hearth::site::parse("site.toml", bytes.clone()) {
            prop_assert_eq!(e.code.starts_with("hearth::"), true);
            if let Some(src) = &e.source {
                for l in &e.labels {
                    prop_assert!(l.span.start <= src.text.len(), "label outside the file");
                }
            }
        }
    }

    #[test]
    fn site_parse_of_mangled_reference_never_panics(cut in 0usize..4000, junk in "\\PC{0,8}") {
        let reference = include_str!("../site.toml");
        let mut cut = cut.min(reference.len());
        while !reference.is_char_boundary(cut) { cut -= 1; }
        let text = format!("{}{}{}", &reference[..cut], junk, &reference[cut..]);
        if let Ok(loaded) = hearth::site::parse("site.toml", text.into_bytes()) {
            let _ = hearth::plan::plan(&loaded);
        }
    }

    #[test]
    fn value_checks_never_panic(s in any::<String>()) {
        let _ = Image::new(s.clone());
        let _ = Quantity::new(s.clone());
        let _ = Cron::new(s.clone());
        let _ = SealedValue::new(s);
    }

    #[test]
    fn images_with_a_tag_are_accepted(repo in "[a-z0-9]{1,8}(/[a-z0-9-]{1,8}){0,2}", tag in "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}") {
        let image = format!("{repo}:{tag}");
        let parsed = Image::new(image.clone());
        prop_assert!(parsed.is_ok(), "{}", image);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.tag(), Some(tag.as_str()));
        prop_assert!(Image::new(repo).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Query checks never panic, and a LogQL error points inside the query.
    #[test]
    fn query_checks_never_panic(s in any::<String>()) {
        let _ = hearth::monitoring::promql::metric_names(&s);
        if let Err(e) = hearth::monitoring::logql::check(&s) {
            prop_assert!(e.at <= s.len());
        }
    }

    /// The same over text made of LogQL's own punctuation, where the checker's
    /// branches are.
    #[test]
    fn logql_check_on_logql_shaped_text(s in "[{}\"`|=!~a-z_ ,()<>\\[\\]0-9]{0,60}") {
        if let Err(e) = hearth::monitoring::logql::check(&s) {
            prop_assert!(e.at <= s.len());
        }
        let _ = hearth::monitoring::promql::metric_names(&s);
    }

    /// Every selector the checker accepts keeps accepting with a line filter added.
    #[test]
    fn valid_selectors_pass(label in "[a-z_][a-z0-9_]{0,10}", value in "[a-zA-Z0-9 ./-]{0,12}", needle in "[a-zA-Z0-9:]{1,10}") {
        let q = format!("{{{label}=\"{value}\"}} |= `{needle}`");
        prop_assert!(hearth::monitoring::logql::check(&q).is_ok(), "{}", q);
    }
}
