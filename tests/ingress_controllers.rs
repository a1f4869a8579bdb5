//! Ingress controllers as a model: every ingress intent rendered for
//! ingress-nginx (annotations) and for Traefik (Middleware objects named by
//! the Ingress), with equal meaning; what a controller cannot honour is an
//! input error at the setting; LAN-only networks, forward auth, annotation
//! passthrough, DNS-01 issuers and wildcard hosts.

mod common;

use std::collections::BTreeMap;

use hearth::render::Manifest;
use hearth::render::Templates;
use hearth::validate::Schemas;
use serde_json::{Value, json};

const LAN: &str = "networks.lan = [\"10.0.0.0/8\", \"192.168.1.0/24\"]\n";

/// MINIMAL on `controller`, the ingress `web` holding `ingress` (and no
/// denied paths unless it says so), a secret `htpasswd` of one key and a
/// secret `pair` of two.
fn site(controller: &str, ingress: &str) -> String {
    let base = common::MINIMAL
        .replace(
            "[site]\n",
            &format!("[site]\ningress_controller = \"{controller}\"\n{LAN}"),
        )
        .replace("public = true\nrate_limit = \"standard\"\n", "");
    let deny = if ingress.contains("deny_paths") {
        ""
    } else {
        "deny_paths = []\n"
    };
    format!(
        "{base}{deny}{ingress}\n[services.app.secrets.htpasswd]\nkeys = {{ users = \"placeholder\" }}\n[services.app.secrets.pair]\nkeys = {{ a = \"placeholder\", b = \"placeholder\" }}\n"
    )
}

fn build(text: &str) -> Result<hearth::pipeline::Built, hearth::diag::Errors> {
    let loaded = hearth::site::parse("site.toml", text.as_bytes().to_vec()).expect("site parses");
    let templates = Templates::load(None).unwrap();
    hearth::pipeline::build_from(loaded, &templates, Default::default(), &Schemas::load())
}

/// Every rendered object of kind `kind`, by name.
fn objects(b: &hearth::pipeline::Built, kind: &str) -> BTreeMap<String, Value> {
    b.rendered
        .objects
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| (o.name().to_string(), o.value.clone()))
        .collect()
}

/// The annotations of Ingress `name`, cert-manager's left out.
fn annotations(b: &hearth::pipeline::Built, name: &str) -> BTreeMap<String, String> {
    let ing = &objects(b, "Ingress")[name];
    ing["metadata"]["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !k.starts_with("cert-manager.io/"))
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn nginx(k: &str) -> String {
    format!("nginx.ingress.kubernetes.io/{k}")
}

const MIDDLEWARES: &str = "traefik.ingress.kubernetes.io/router.middlewares";

/// One intent: its site.toml lines, ingress-nginx's annotations, Traefik's
/// middlewares (name suffix and spec) in the order the Ingress names them.
struct Row {
    intent: &'static str,
    toml: &'static str,
    nginx: Vec<(&'static str, &'static str)>,
    traefik: Vec<(&'static str, Value)>,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            intent: "basic auth",
            toml: "auth = \"basic\"\nauth_secret = \"htpasswd\"\n",
            nginx: vec![
                ("auth-realm", "Authentication Required"),
                ("auth-secret", "htpasswd"),
                ("auth-secret-type", "auth-map"),
                ("auth-type", "basic"),
            ],
            traefik: vec![(
                "auth",
                json!({"basicAuth": {"secret": "htpasswd", "realm": "Authentication Required"}}),
            )],
        },
        Row {
            intent: "forward auth",
            toml: "auth = \"forward\"\nauth_url = \"http://authelia.auth.svc:9091/api/verify\"\nauth_headers = [\"Remote-User\", \"Remote-Groups\"]\n",
            nginx: vec![
                ("auth-response-headers", "Remote-User,Remote-Groups"),
                ("auth-url", "http://authelia.auth.svc:9091/api/verify"),
            ],
            traefik: vec![(
                "auth",
                json!({"forwardAuth": {
                    "address": "http://authelia.auth.svc:9091/api/verify",
                    "trustForwardHeader": true,
                    "authResponseHeaders": ["Remote-User", "Remote-Groups"],
                }}),
            )],
        },
        Row {
            intent: "rate limit",
            toml: "public = true\nrate_limit = \"standard\"\n",
            nginx: vec![
                ("limit-burst-multiplier", "2"),
                ("limit-rpm", "100"),
                ("limit-rps", "10"),
            ],
            traefik: vec![
                (
                    "rate-limit",
                    json!({"rateLimit": {"average": 10, "period": "1s", "burst": 20}}),
                ),
                (
                    "rate-limit-rpm",
                    json!({"rateLimit": {"average": 100, "period": "1m", "burst": 200}}),
                ),
            ],
        },
        Row {
            intent: "LAN only",
            toml: "public = true\nnetworks = [\"lan\"]\n",
            nginx: vec![("whitelist-source-range", "10.0.0.0/8,192.168.1.0/24")],
            traefik: vec![(
                "networks",
                json!({"ipAllowList": {"sourceRange": ["10.0.0.0/8", "192.168.1.0/24"]}}),
            )],
        },
        Row {
            intent: "redirect",
            toml: "public = true\nredirects = [{ from = \"/\", to = \"/admin/\" }]\n",
            nginx: vec![("server-snippet", "location = / { return 301 /admin/; }")],
            traefik: vec![(
                "redirect-0",
                json!({"redirectRegex": {
                    "regex": "^(https?://[^/]+)/(\\?.*)?$",
                    "replacement": "${1}/admin/",
                    "permanent": true,
                }}),
            )],
        },
        Row {
            intent: "body size",
            toml: "public = true\nbody_size = \"8m\"\n",
            nginx: vec![("proxy-body-size", "8m")],
            traefik: vec![(
                "body-size",
                json!({"buffering": {"maxRequestBodyBytes": 8 << 20}}),
            )],
        },
        Row {
            intent: "www redirect",
            toml: "public = true\nwww_redirect = true\n",
            nginx: vec![("from-to-www-redirect", "true")],
            traefik: vec![(
                "www",
                json!({"redirectRegex": {
                    "regex": "^https?://www\\.app\\.lab\\.example(?::\\d+)?/(.*)$",
                    "replacement": "https://app.lab.example/${1}",
                    "permanent": true,
                }}),
            )],
        },
        Row {
            intent: "denied paths (answered by a route of their own on Traefik)",
            toml: "public = true\ndeny_paths = [\"/metrics\", \"/admin\"]\n",
            nginx: vec![(
                "server-snippet",
                "location \"/metrics\" { deny all; return 403; }\nlocation \"/admin\" { deny all; return 403; }",
            )],
            traefik: vec![],
        },
    ]
}

/// Each intent alone, on each controller: nginx's annotations are exactly the
/// row's; Traefik's Ingress names exactly the row's middlewares, in order, and
/// each Middleware object holds its spec (and passed schema validation).
#[test]
fn every_intent_renders_on_both_controllers() {
    for row in rows() {
        let b = build(&site("ingress-nginx", row.toml))
            .unwrap_or_else(|e| panic!("{}: {e:?}", row.intent));
        let want: BTreeMap<String, String> = row
            .nginx
            .iter()
            .map(|(k, v)| (nginx(k), v.to_string()))
            .collect();
        assert_eq!(annotations(&b, "web"), want, "nginx, {}", row.intent);
        assert!(objects(&b, "Middleware").is_empty(), "{}", row.intent);
        assert_eq!(
            objects(&b, "Ingress")["web"]["spec"]["ingressClassName"],
            "nginx"
        );

        let b =
            build(&site("traefik", row.toml)).unwrap_or_else(|e| panic!("{}: {e:?}", row.intent));
        let ann = annotations(&b, "web");
        // First, always: plain HTTP to HTTPS, as ingress-nginx's ssl-redirect.
        let refs: Vec<String> = std::iter::once("https")
            .chain(row.traefik.iter().map(|(n, _)| *n))
            .map(|n| format!("app-web-{n}@kubernetescrd"))
            .collect();
        assert_eq!(
            ann,
            BTreeMap::from([(MIDDLEWARES.to_string(), refs.join(","))]),
            "traefik, {}",
            row.intent
        );
        let mws = objects(&b, "Middleware");
        assert_eq!(
            mws["web-https"]["spec"],
            json!({"redirectScheme": {"scheme": "https", "permanent": true}})
        );
        for (n, spec) in &row.traefik {
            let mw = &mws[&format!("web-{n}")];
            assert_eq!(mw["apiVersion"], "traefik.io/v1alpha1");
            assert_eq!(mw["metadata"]["namespace"], "app");
            assert_eq!(&mw["spec"], spec, "traefik, {}", row.intent);
        }
        assert_eq!(
            objects(&b, "Ingress")["web"]["spec"]["ingressClassName"],
            "traefik"
        );
    }
}

/// Traefik answers denied paths with an Ingress of their own whose only
/// middleware admits no client: 403 for every request there, as nginx's
/// `deny all`.
#[test]
fn traefik_denies_paths_through_a_route_no_client_passes() {
    let b = build(&site(
        "traefik",
        "public = true\ndeny_paths = [\"/metrics\", \"/admin\"]\n",
    ))
    .unwrap();
    let ings = objects(&b, "Ingress");
    let deny = &ings["web-deny"];
    assert_eq!(
        deny["metadata"]["annotations"][MIDDLEWARES],
        "app-web-deny@kubernetescrd"
    );
    let paths: Vec<&str> = deny["spec"]["rules"][0]["http"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/metrics", "/admin"]);
    assert_eq!(deny["spec"]["rules"][0]["host"], "app.lab.example");
    assert!(
        deny["metadata"]["annotations"]
            .get("cert-manager.io/cluster-issuer")
            .is_none(),
        "one Certificate per host: the main Ingress asks for it"
    );
    assert_eq!(
        objects(&b, "Middleware")["web-deny"]["spec"],
        json!({"ipAllowList": {"sourceRange": ["0.0.0.0/32"]}})
    );
    // No denied paths, no second route.
    let b = build(&site("traefik", "public = true\n")).unwrap();
    assert!(!objects(&b, "Ingress").contains_key("web-deny"));
}

/// The www redirect on Traefik routes the `www.` host too (ingress-nginx
/// answers it by itself).
#[test]
fn traefik_routes_the_www_host_it_redirects() {
    let hosts = |b: &hearth::pipeline::Built| -> Vec<String> {
        objects(b, "Ingress")["web"]["spec"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["host"].as_str().unwrap().to_string())
            .collect()
    };
    let t = build(&site("traefik", "public = true\nwww_redirect = true\n")).unwrap();
    assert_eq!(hosts(&t), ["app.lab.example", "www.app.lab.example"]);
    let n = build(&site(
        "ingress-nginx",
        "public = true\nwww_redirect = true\n",
    ))
    .unwrap();
    assert_eq!(hosts(&n), ["app.lab.example"]);
}

/// `text` is refused with `code` at the line starting with `at`, the message
/// containing `says`.
fn refused(text: &str, code: &str, at: &str, says: &str) {
    let errs = match build(text) {
        Ok(_) => panic!("expected {code} at {at:?}"),
        Err(e) => e.0,
    };
    let line = text
        .lines()
        .position(|l| l.starts_with(at))
        .expect("at in site")
        + 1;
    assert!(
        errs.iter().any(|e| e.code == code
            && e.message.contains(says)
            && e.location()
                .is_some_and(|l| l.starts_with(&format!("site.toml:{line}:")))),
        "no {code} at line {line} saying {says:?}: {:?}",
        errs.iter()
            .map(|e| (e.code.to_string(), e.message.clone(), e.location()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn what_traefik_cannot_do_is_an_input_error_at_the_setting() {
    let waf = "public = true\nwaf_exclusions = [911100, 920420]\n";
    refused(
        &site("traefik", waf),
        "hearth::controller",
        "waf_exclusions",
        "ModSecurity",
    );
    assert!(build(&site("ingress-nginx", waf)).is_ok());

    let signin = "auth = \"forward\"\nauth_url = \"http://auth.svc/verify\"\nauth_signin = \"https://auth.lab.example/\"\n";
    refused(
        &site("traefik", signin),
        "hearth::controller",
        "auth_signin",
        "sign-in",
    );
    let b = build(&site("ingress-nginx", signin)).unwrap();
    assert_eq!(
        annotations(&b, "web")[&nginx("auth-signin")],
        "https://auth.lab.example/"
    );

    let pair = "auth = \"basic\"\nauth_secret = \"pair\"\n";
    refused(
        &site("traefik", pair),
        "hearth::controller",
        "auth_secret",
        "one key",
    );
    assert!(build(&site("ingress-nginx", pair)).is_ok());
}

#[test]
fn redirect_paths_are_plain() {
    refused(
        &site(
            "traefik",
            "public = true\nredirects = [{ from = \"/a\", to = \"/b$1\" }]\n",
        ),
        "hearth::ingress",
        "[services.app.ingresses.web]",
        "plain absolute paths",
    );
}

#[test]
fn auth_settings_must_fit_together() {
    refused(
        &site("traefik", "auth = \"forward\"\n"),
        "hearth::ingress",
        "auth = \"forward\"",
        "needs `auth_url`",
    );
    refused(
        &site(
            "ingress-nginx",
            "auth = \"forward\"\nauth_url = \"authelia:9091\"\n",
        ),
        "hearth::ingress",
        "auth_url",
        "not an http(s) URL",
    );
    refused(
        &site(
            "ingress-nginx",
            "public = true\nauth_url = \"http://a.svc/\"\n",
        ),
        "hearth::ingress",
        "auth_url",
        "without `auth = \"forward\"`",
    );
}

#[test]
fn networks_are_cidr_ranges_named_by_ingresses() {
    refused(
        &site("ingress-nginx", "public = true\nnetworks = [\"lna\"]\n"),
        "hearth::network",
        "networks = [\"lna\"]",
        "not declared",
    );
    let bad =
        site("ingress-nginx", "public = true\n").replace(LAN, "networks.lan = [\"10.0.0.1/8\"]\n");
    refused(&bad, "hearth::network", "networks.lan", "not a CIDR range");
    let junk = site("ingress-nginx", "public = true\n").replace(LAN, "networks.lan = [\"ten\"]\n");
    refused(&junk, "hearth::network", "networks.lan", "not a CIDR range");
    let empty = site("ingress-nginx", "public = true\nnetworks = [\"lan\"]\n")
        .replace(LAN, "networks.lan = []\n");
    refused(
        &empty,
        "hearth::network",
        "networks = [\"lan\"]",
        "no ranges",
    );
    // A single address and IPv6 ranges are fine.
    let ok = site("ingress-nginx", "public = true\nnetworks = [\"lan\"]\n")
        .replace(LAN, "networks.lan = [\"fd00::/8\", \"192.168.1.10\"]\n");
    let b = build(&ok).unwrap();
    assert_eq!(
        annotations(&b, "web")[&nginx("whitelist-source-range")],
        "fd00::/8,192.168.1.10"
    );
}

#[test]
fn annotations_pass_through_unless_hearth_writes_them() {
    let b = build(&site(
        "ingress-nginx",
        "public = true\nannotations = { \"nginx.ingress.kubernetes.io/proxy-read-timeout\" = \"3600\" }\n",
    ))
    .unwrap();
    assert_eq!(annotations(&b, "web")[&nginx("proxy-read-timeout")], "3600");
    for (key, setting) in [
        (
            "nginx.ingress.kubernetes.io/whitelist-source-range",
            "`networks`",
        ),
        ("nginx.ingress.kubernetes.io/auth-url", "`auth`"),
        ("nginx.ingress.kubernetes.io/server-snippet", "`deny_paths`"),
        ("cert-manager.io/cluster-issuer", "`issuer`"),
        (MIDDLEWARES, "middlewares"),
    ] {
        let text = site(
            "traefik",
            &format!("public = true\nannotations = {{ \"{key}\" = \"x\" }}\n"),
        );
        let errs = build(&text).err().expect("refused").0;
        assert!(
            errs.iter().any(|e| e.code == "hearth::annotation"
                && e.help.as_deref().is_some_and(|h| h.contains(setting))),
            "{key}: {errs:?}"
        );
    }
}

/// An annotation of the other controller would be ignored: refused.
#[test]
fn another_controllers_annotation_is_refused() {
    refused(
        &site(
            "traefik",
            "public = true\nannotations = { \"nginx.ingress.kubernetes.io/proxy-read-timeout\" = \"3600\" }\n",
        ),
        "hearth::controller",
        "annotations",
        "another ingress controller",
    );
    refused(
        &site(
            "ingress-nginx",
            "public = true\nannotations = { \"traefik.ingress.kubernetes.io/router.priority\" = \"10\" }\n",
        ),
        "hearth::controller",
        "annotations",
        "another ingress controller",
    );
}

/// The cert-manager service, a DNS-01 issuer `dns` of `provider` with
/// `fields`, and its credential secret in cert-manager's namespace.
fn with_dns01(text: &str, provider: &str, fields: &str) -> String {
    format!(
        "{text}\n[services.cert-manager]\nprovides = [\"cert-manager\"]\n[services.cert-manager.helm]\nrepo = \"https://charts.jetstack.io\"\nchart = \"cert-manager\"\nversion = \"1.15.1\"\n[services.cert-manager.secrets.dns-token]\nkeys = {{ token = \"placeholder\" }}\n[issuers.dns]\nacme_server = \"https://acme-v02.api.letsencrypt.org/directory\"\nemail = \"ops@lab.example\"\ndns01 = {{ provider = \"{provider}\", secret = \"dns-token\", key = \"token\"{fields} }}\n"
    )
}

fn solver(b: &hearth::pipeline::Built, issuer: &str) -> Value {
    objects(b, "ClusterIssuer")[issuer]["spec"]["acme"]["solvers"][0].clone()
}

#[test]
fn the_http01_solver_follows_the_site_ingress_class() {
    let text = with_dns01(&site("traefik", "public = true\n"), "cloudflare", "");
    let b = build(&text).unwrap();
    assert_eq!(
        solver(&b, "le"),
        json!({"http01": {"ingress": {"ingressClassName": "traefik"}}})
    );
    let b = build(&text.replace(
        "ingress_controller = \"traefik\"\n",
        "ingress_class = \"edge\"\n",
    ))
    .unwrap();
    assert_eq!(
        solver(&b, "le")["http01"]["ingress"]["ingressClassName"],
        "edge"
    );
    assert_eq!(
        objects(&b, "Ingress")["web"]["spec"]["ingressClassName"],
        "edge"
    );
}

#[test]
fn dns01_solvers_render_per_provider() {
    let secret = json!({"name": "dns-token", "key": "token"});
    for (provider, fields, want) in [
        (
            "cloudflare",
            "",
            json!({"cloudflare": {"apiTokenSecretRef": secret}}),
        ),
        (
            "route53",
            ", region = \"eu-west-1\", access_key_id = \"AKIA0\"",
            json!({"route53": {"region": "eu-west-1", "accessKeyID": "AKIA0", "secretAccessKeySecretRef": secret}}),
        ),
        (
            "rfc2136",
            ", nameserver = \"10.0.0.53:53\", tsig_key_name = \"hearth\"",
            json!({"rfc2136": {"nameserver": "10.0.0.53:53", "tsigKeyName": "hearth", "tsigAlgorithm": "HMACSHA256", "tsigSecretSecretRef": secret}}),
        ),
    ] {
        let b = build(&with_dns01(
            &site("ingress-nginx", "public = true\n"),
            provider,
            fields,
        ))
        .unwrap_or_else(|e| panic!("{provider}: {e:?}"));
        assert_eq!(solver(&b, "dns"), json!({ "dns01": want }), "{provider}");
    }
    let text = with_dns01(&site("ingress-nginx", "public = true\n"), "route53", "");
    refused(&text, "hearth::issuer", "dns01 = {", "needs `region`");
    let text = with_dns01(&site("ingress-nginx", "public = true\n"), "cloudflare", "")
        .replace("key = \"token\"", "key = \"api-token\"");
    refused(&text, "hearth::dangling", "dns01 = {", "no key `api-token`");
    let text = with_dns01(&site("ingress-nginx", "public = true\n"), "cloudflare", "")
        .replace("secret = \"dns-token\"", "secret = \"app-secret\"");
    refused(
        &text,
        "hearth::dangling",
        "dns01 = {",
        "does not exist in namespace `cert-manager`",
    );
}

#[test]
fn a_wildcard_host_needs_a_dns01_issuer() {
    let text = with_dns01(
        &site(
            "ingress-nginx",
            "public = true\nhost = \"*\"\nissuer = \"dns\"\n",
        ),
        "cloudflare",
        "",
    );
    let b = build(&text).unwrap();
    let web = &objects(&b, "Ingress")["web"];
    assert_eq!(web["spec"]["rules"][0]["host"], "*.lab.example");
    assert_eq!(web["spec"]["tls"][0]["hosts"][0], "*.lab.example");
    let text = with_dns01(
        &site(
            "ingress-nginx",
            "public = true\nhost = \"*\"\nissuer = \"le\"\n",
        ),
        "cloudflare",
        "",
    );
    refused(
        &text,
        "hearth::issuer",
        "issuer = \"le\"",
        "needs a DNS-01 issuer",
    );
}

/// The Middleware schema is Traefik's CRD: one middleware per object, its
/// fields typed, nothing unknown.
#[test]
fn middleware_objects_are_validated_against_traefiks_crd() {
    let schemas = Schemas::load();
    let v = schemas
        .validator("traefik.io/v1alpha1", "Middleware")
        .expect("a Middleware schema");
    let mw = |spec: Value| {
        json!({"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware",
               "metadata": {"name": "web-auth", "namespace": "app"}, "spec": spec})
    };
    assert!(v.is_valid(&mw(json!({"ipAllowList": {"sourceRange": ["10.0.0.0/8"]}}))));
    assert!(v.is_valid(&mw(
        json!({"rateLimit": {"average": 1, "period": "1m", "burst": 2}})
    )));
    assert!(v.is_valid(&mw(json!({"rateLimit": {"average": 1, "period": 60}}))));
    for bad in [
        json!({}),
        json!({"ipAllowList": {"sourceRange": ["10.0.0.0/8"]}, "basicAuth": {"secret": "s"}}),
        json!({"ipWhiteList": {"sourceRange": ["10.0.0.0/8"]}}),
        json!({"basicAuth": {"secrets": "s"}}),
        json!({"buffering": {"maxRequestBodyBytes": "8m"}}),
    ] {
        assert!(!v.is_valid(&mw(bad.clone())), "{bad}");
    }
}

/// Traefik's redirectRegex matches the whole request URL; its regexes (RE2
/// syntax, which the `regex` crate shares) redirect exactly what nginx's
/// `location = <from>` and `from-to-www-redirect` do, keeping the rest.
#[test]
fn traefik_redirect_regexes_match_what_nginx_redirects() {
    let b = build(&site(
        "traefik",
        "public = true\nwww_redirect = true\nredirects = [{ from = \"/a.b\", to = \"/c/\" }]\n",
    ))
    .unwrap();
    let mws = objects(&b, "Middleware");
    let rewrite = |name: &str, url: &str| -> Option<String> {
        let spec = &mws[name]["spec"]["redirectRegex"];
        assert_eq!(spec["permanent"], true, "nginx answers 301");
        let re = regex::Regex::new(spec["regex"].as_str().unwrap()).unwrap();
        re.is_match(url).then(|| {
            re.replace(url, spec["replacement"].as_str().unwrap())
                .into_owned()
        })
    };
    let path = "web-redirect-0";
    assert_eq!(
        rewrite(path, "https://app.lab.example/a.b").as_deref(),
        Some("https://app.lab.example/c/")
    );
    assert_eq!(
        rewrite(path, "https://app.lab.example/a.b?x=1").as_deref(),
        Some("https://app.lab.example/c/")
    );
    for other in [
        "https://app.lab.example/axb",
        "https://app.lab.example/a.b/",
        "https://app.lab.example/x/a.b",
    ] {
        assert_eq!(
            rewrite(path, other),
            None,
            "{other}: `location =` is one exact path"
        );
    }
    let www = "web-www";
    assert_eq!(
        rewrite(www, "https://www.app.lab.example/p?q=1").as_deref(),
        Some("https://app.lab.example/p?q=1")
    );
    assert_eq!(rewrite(www, "https://app.lab.example/p"), None);
    assert_eq!(rewrite(www, "https://wwwxapp.lab.example/p"), None);
}

/// `hearth diff` says when an ingress's access changes: auth, networks.
#[test]
fn diff_says_how_an_ingress_access_changed() {
    let s = common::Scratch::new();
    let out = s.diff_between(&site("ingress-nginx", "public = true\n"), &site(
            "ingress-nginx",
            "auth = \"forward\"\nauth_url = \"http://authelia.auth.svc:9091/api/verify\"\nnetworks = [\"lan\"]\n",
        ));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ingress app/web access: public → forward auth, only from lan"),
        "{text}\n{}",
        common::stderr(&out)
    );
}

/// A LAN-only ingress is a stated exposure: HL101 is quiet about it.
#[test]
fn a_lan_only_ingress_states_its_exposure() {
    let text = common::printed(&common::lint(&site("traefik", "networks = [\"lan\"]\n")));
    assert!(
        !text.contains("HL101") && !text.contains("ingress-exposure-unstated"),
        "{text}"
    );
    let text = common::printed(&common::lint(&site("traefik", "")));
    assert!(text.contains("ingress-exposure-unstated"), "{text}");
}
