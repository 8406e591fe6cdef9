//! A Gemini content part kept verbatim for the raw message (docs/spec.md §11.4).
//!
//! A resumed conversation sends the model's parts back exactly as they came, `thoughtSignature`
//! and unknown keys included, so each part is read once into the form the raw message needs;
//! the decoder only looks up the few keys it shows.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One content part's entries in arrival order, kept verbatim (every key, including
/// `thoughtSignature`) for the raw message.
///
/// Parsed once into the form the raw message needs rather than typed and then re-parsed. A
/// list, not a `serde_json::Map`: a part is only searched for three keys and written out once
/// at EOF, so hashing each part's keys (most events carry one text part) would be waste.
/// Well-known keys are stored without allocating.
pub(super) struct RawPart(Vec<(Cow<'static, str>, Value)>);

impl RawPart {
    /// The value of `key`; the last one wins, as in a parsed JSON object.
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(super) fn into_value(self) -> Value {
        Value::Object(
            self.0
                .into_iter()
                .map(|(key, value)| (key.into_owned(), value))
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for RawPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PartVisitor)
    }
}

struct PartVisitor;

impl<'de> Visitor<'de> for PartVisitor {
    type Value = RawPart;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a content part object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPart, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(2));
        while let Some(PartKey(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(RawPart(entries))
    }
}

struct PartKey(Cow<'static, str>);

impl<'de> Deserialize<'de> for PartKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(PartKeyVisitor)
    }
}

struct PartKeyVisitor;

impl Visitor<'_> for PartKeyVisitor {
    type Value = PartKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a part key")
    }

    fn visit_str<E>(self, key: &str) -> Result<PartKey, E> {
        Ok(PartKey(match key {
            "text" => Cow::Borrowed("text"),
            "thought" => Cow::Borrowed("thought"),
            "thoughtSignature" => Cow::Borrowed("thoughtSignature"),
            "functionCall" => Cow::Borrowed("functionCall"),
            _ => Cow::Owned(key.to_owned()),
        }))
    }
}
