//! `hearth schema`: the JSON Schema of site.toml, or its Markdown reference.

use std::process::ExitCode;

pub fn schema(markdown: bool) -> ExitCode {
    if markdown {
        put!("{}", hearth::site::reference::markdown());
    } else {
        out!("{}", hearth::site::schema_json());
    }
    ExitCode::SUCCESS
}
