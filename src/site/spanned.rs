//! `Spanned<T>`: a value of site.toml with the byte range it came from, so a
//! diagnostic can underline it. Wraps `toml::Spanned` to add a JSON Schema that is
//! the schema of `T` itself (the span is invisible in the file's format).

use std::ops::Range;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone)]
pub struct Spanned<T>(toml::Spanned<T>);

impl<T> Spanned<T> {
    pub fn get_ref(&self) -> &T {
        self.0.get_ref()
    }
    pub fn span(&self) -> Range<usize> {
        self.0.span()
    }
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
    /// A value put together after parsing, cited at `span` of the file.
    pub fn new(span: Range<usize>, value: T) -> Self {
        Spanned(toml::Spanned::new(span, value))
    }
    /// A default value that was not written in the file (an empty span).
    pub fn unspanned(value: T) -> Self {
        Spanned(toml::Spanned::new(0..0, value))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        toml::Spanned::<T>::deserialize(d).map(Spanned)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
