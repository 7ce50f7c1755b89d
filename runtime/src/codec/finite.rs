//! Serialization that refuses NaN and infinities.
//!
//! serde_json writes a non-finite `f32`/`f64` as `null`, so a reply typed `{ x: number }` would
//! reach a client as `{ "x": null }`, breaking the generated TypeScript types. Every value the
//! server sends passes through [`Finite`], which fails the serialization instead: the caller gets
//! an `internal` error and the server logs which value could not be sent. The wrapper forwards
//! every other call unchanged, so serde_json's special types (`RawValue`) keep working.

use serde::ser::{self, Error as _, Serialize, Serializer};

/// Why a value could not be sent.
pub(crate) const NON_FINITE: &str = "a float is NaN or infinite, which JSON cannot carry (serde_json would write `null`, which the client's types do \
     not allow)";

/// `value`, serialized through [`FiniteSerializer`].
pub(crate) struct Finite<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: Serialize + ?Sized> Serialize for Finite<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(FiniteSerializer(serializer))
    }
}

/// A serializer that forwards to `S`, failing on a non-finite float.
struct FiniteSerializer<S>(S);

/// The compound serializers (sequences, maps, structs) of `S`, wrapping each element.
struct Compound<C>(C);

macro_rules! forward {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method(self, v: $ty) -> Result<S::Ok, S::Error> {
                self.0.$method(v)
            }
        )*
    };
}

impl<S: Serializer> Serializer for FiniteSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    forward! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit_struct(&'static str);
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(S::Error::custom(NON_FINITE));
        }
        self.0.serialize_f32(v)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(S::Error::custom(NON_FINITE));
        }
        self.0.serialize_f64(v)
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Finite(value))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Finite(value))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_variant(name, index, variant, &Finite(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }

    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0.serialize_tuple_variant(name, index, variant, len).map(Compound)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0.serialize_struct_variant(name, index, variant, len).map(Compound)
    }

    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.collect_str(value)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! compound {
    ($($trait:ident: $method:ident;)*) => {
        $(
            impl<C: ser::$trait> ser::$trait for Compound<C> {
                type Ok = C::Ok;
                type Error = C::Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                    self.0.$method(&Finite(value))
                }

                fn end(self) -> Result<C::Ok, C::Error> {
                    self.0.end()
                }
            }
        )*
    };
}

compound! {
    SerializeSeq: serialize_element;
    SerializeTuple: serialize_element;
    SerializeTupleStruct: serialize_field;
    SerializeTupleVariant: serialize_field;
}

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Finite(key))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Finite(value))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

/// The two struct serializers, whose fields have names.
macro_rules! named_fields {
    ($($trait:ident),*) => {
        $(
            impl<C: ser::$trait> ser::$trait for Compound<C> {
                type Ok = C::Ok;
                type Error = C::Error;

                fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
                    self.0.serialize_field(key, &Finite(value))
                }

                fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                    self.0.skip_field(key)
                }

                fn end(self) -> Result<C::Ok, C::Error> {
                    self.0.end()
                }
            }
        )*
    };
}

named_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::value::RawValue;

    use super::Finite;

    fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, String> {
        serde_json::to_string(&Finite(value)).map_err(|e| e.to_string())
    }

    #[derive(serde::Serialize)]
    #[serde(tag = "kind")]
    enum Shape {
        Circle { r: f64 },
        Point,
    }

    #[test]
    fn finite_values_serialize_as_serde_json_writes_them() {
        let mut map = BTreeMap::new();
        map.insert("a", vec![Some(1.5f32), None]);
        let raw = RawValue::from_string(r#"{"x": 1}"#.to_owned()).unwrap();
        assert_eq!(json(&map).unwrap(), serde_json::to_string(&map).unwrap());
        assert_eq!(json(&raw).unwrap(), r#"{"x": 1}"#);
        assert_eq!(json(&Shape::Circle { r: 2.0 }).unwrap(), r#"{"kind":"Circle","r":2.0}"#);
        assert_eq!(json(&Shape::Point).unwrap(), r#"{"kind":"Point"}"#);
        assert_eq!(json(&(1u128 << 100)).unwrap(), (1u128 << 100).to_string());
    }

    #[test]
    fn a_non_finite_float_anywhere_fails() {
        assert!(json(&f64::NAN).is_err());
        assert!(json(&[1.0, f64::INFINITY]).is_err());
        assert!(json(&Some(f32::NEG_INFINITY)).is_err());
        assert!(json(&Shape::Circle { r: f64::NAN }).is_err());
        let mut map = BTreeMap::new();
        map.insert("a", (1, f64::NAN));
        assert!(json(&map).unwrap_err().contains("NaN or infinite"));
    }
}
