//! Reading a certificate's JSON strictly: an object that names a key twice
//! is refused. A JSON reader keeps one of the two values silently, and what
//! the checker checks must be what anyone reading the file sees. Owns no
//! schema: `check::read` reads the certificate once this has passed.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// Any JSON value, read only to find a key named twice in one object.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Unique)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Unique, A::Error> {
        while items.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format!(
                    "the key \"{key}\" appears twice in one object"
                )));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

/// `Err` (with where) when some object of `json` names a key twice, or
/// `json` is not JSON.
pub(super) fn no_key_twice(json: &str) -> Result<(), String> {
    serde_json::from_str::<Unique>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::no_key_twice;

    #[test]
    fn a_key_named_twice_is_refused_at_any_depth() {
        assert_eq!(no_key_twice(r#"{"a": [1, {"b": null}], "c": "x"}"#), Ok(()));
        let twice = no_key_twice(r#"{"a": [1, {"b": 1, "b": 2}]}"#).unwrap_err();
        assert!(twice.contains("\"b\" appears twice"), "{twice}");
        assert!(no_key_twice(r#"{"a": 1, "a": 1}"#).is_err());
    }
}
