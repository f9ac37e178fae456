//! Rust values to Lua values and back through serde (feature `serde`), as mlua's
//! `LuaSerdeExt` does: [`Lua::to_value`] and [`Lua::from_value`].
//!
//! The mapping:
//! - `bool` is a boolean; every integer and float is a number (a double: integers beyond
//!   2^53 lose precision, as any Lua 5.1 number does); `char`, strings and byte arrays are
//!   strings.
//! - `None`, `()` and unit structs are `nil` (so a `None` inside a sequence leaves a hole, as
//!   `nil` does in any Lua sequence).
//! - Sequences and tuples are tables with keys `1..n`; maps and structs are tables keyed by
//!   their keys and field names.
//! - Enums: a unit variant is its name as a string; any other variant is a table with one
//!   key, the variant's name, holding its value (`{Move = {x = 1, y = 2}}`).
//!
//! Going back, a table becomes a sequence or a map as the Rust type asks; for
//! self-describing targets (`serde_json::Value`, say) a table whose keys are exactly
//! `1..n` (with `n > 0`) is a sequence and any other table a map. Nesting is limited to
//! [`MAX_DEPTH`] levels both ways, so a table that contains itself is an error, not a
//! stack overflow.

use super::{Error, Lua, Result, Table, Value};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::ser::{self, Serialize};

/// Deepest nesting converted either way.
pub const MAX_DEPTH: usize = 128;

impl Lua {
    /// `value` as a Lua value (see the module's mapping).
    pub fn to_value<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        value.serialize(Serializer {
            lua: self,
            depth: 0,
        })
    }

    /// A Lua value as a `T` (see the module's mapping).
    pub fn from_value<T: DeserializeOwned>(&self, value: Value) -> Result<T> {
        T::deserialize(Deserializer { value, depth: 0 })
    }
}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error::ToLuaConversionError {
            from: "serde",
            to: "value",
            message: Some(message.to_string()),
        }
    }
}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error::FromLuaConversionError {
            from: "value",
            to: "serde",
            message: Some(message.to_string()),
        }
    }
}

fn too_deep() -> Error {
    Error::ToLuaConversionError {
        from: "serde",
        to: "table",
        message: Some(format!("nested deeper than {MAX_DEPTH} levels")),
    }
}

/// Builds Lua values from a Rust value.
struct Serializer<'a> {
    lua: &'a Lua,
    depth: usize,
}

impl<'a> Serializer<'a> {
    fn table(&self, array: usize, hash: usize) -> Result<(Table, usize)> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        Ok((
            self.lua.create_table_with_capacity(array, hash)?,
            self.depth + 1,
        ))
    }

    fn nested(&self, depth: usize) -> Serializer<'a> {
        Serializer {
            lua: self.lua,
            depth,
        }
    }

    /// `{variant = value}`.
    fn wrap(&self, variant: &str, value: Value) -> Result<Value> {
        let (table, _) = self.table(0, 1)?;
        table.raw_set(variant, value)?;
        Ok(Value::Table(table))
    }
}

/// A table being filled: sequences count their index, maps remember the pending key.
struct TableBuilder<'a> {
    lua: &'a Lua,
    table: Table,
    depth: usize,
    next_index: i64,
    key: Option<Value>,
    /// For struct and tuple variants: the variant name to wrap the table under.
    variant: Option<&'static str>,
}

impl<'a> TableBuilder<'a> {
    fn value_of<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        value.serialize(Serializer {
            lua: self.lua,
            depth: self.depth,
        })
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let v = self.value_of(value)?;
        self.table.raw_set(self.next_index, v)?;
        self.next_index += 1;
        Ok(())
    }

    fn finish(self) -> Result<Value> {
        match self.variant {
            None => Ok(Value::Table(self.table)),
            Some(variant) => {
                let outer = self.lua.create_table_with_capacity(0, 1)?;
                outer.raw_set(variant, Value::Table(self.table))?;
                Ok(Value::Table(outer))
            }
        }
    }
}

/// Every number becomes a Lua number, a double (integers past 2^53 round, as in Lua 5.1).
macro_rules! serialize_numbers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Value> {
            Ok(Value::Number(v as f64))
        }
    )*};
}

impl<'a> ser::Serializer for Serializer<'a> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = TableBuilder<'a>;
    type SerializeTuple = TableBuilder<'a>;
    type SerializeTupleStruct = TableBuilder<'a>;
    type SerializeTupleVariant = TableBuilder<'a>;
    type SerializeMap = TableBuilder<'a>;
    type SerializeStruct = TableBuilder<'a>;
    type SerializeStructVariant = TableBuilder<'a>;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Boolean(v))
    }
    serialize_numbers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        let mut buf = [0u8; 4];
        Ok(Value::String(
            self.lua.create_string(v.encode_utf8(&mut buf).as_bytes())?,
        ))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::String(self.lua.create_string(v)?))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::String(self.lua.create_string(v)?))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Nil)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Nil)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value> {
        Ok(Value::Nil)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        let inner = value.serialize(self.nested(self.depth + 1))?;
        self.wrap(variant, inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<TableBuilder<'a>> {
        let (table, depth) = self.table(len.unwrap_or(0), 0)?;
        Ok(TableBuilder {
            lua: self.lua,
            table,
            depth,
            next_index: 1,
            key: None,
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<TableBuilder<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<TableBuilder<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableBuilder<'a>> {
        let mut builder = self.serialize_seq(Some(len))?;
        builder.variant = Some(variant);
        Ok(builder)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<TableBuilder<'a>> {
        let (table, depth) = self.table(0, len.unwrap_or(0))?;
        Ok(TableBuilder {
            lua: self.lua,
            table,
            depth,
            next_index: 1,
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<TableBuilder<'a>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableBuilder<'a>> {
        let mut builder = self.serialize_map(Some(len))?;
        builder.variant = Some(variant);
        Ok(builder)
    }
}

/// The four sequence-like builders: each element is the next index.
macro_rules! sequence_builder {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for TableBuilder<'_> {
            type Ok = Value;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Value> {
                self.finish()
            }
        }
    )*};
}

sequence_builder!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for TableBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let key = self.value_of(key)?;
        if key.is_nil() {
            return Err(ser::Error::custom("a map key converts to nil"));
        }
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value without its key"))?;
        let value = self.value_of(value)?;
        self.table.raw_set(key, value)
    }
    fn end(self) -> Result<Value> {
        self.finish()
    }
}

/// The two struct-like builders: each field is keyed by its name.
macro_rules! struct_builder {
    ($($trait:ident),*) => {$(
        impl ser::$trait for TableBuilder<'_> {
            type Ok = Value;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                let value = self.value_of(value)?;
                self.table.raw_set(key, value)
            }
            fn end(self) -> Result<Value> {
                self.finish()
            }
        }
    )*};
}

struct_builder!(SerializeStruct, SerializeStructVariant);

/// Reads a Rust value out of a Lua value.
struct Deserializer {
    value: Value,
    depth: usize,
}

fn mismatch(value: &Value, expected: &'static str) -> Error {
    Error::FromLuaConversionError {
        from: value.type_name(),
        to: expected,
        message: None,
    }
}

impl Deserializer {
    fn child(&self, value: Value) -> Result<Deserializer> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::FromLuaConversionError {
                from: "table",
                to: "serde",
                message: Some(format!("nested deeper than {MAX_DEPTH} levels")),
            });
        }
        Ok(Deserializer {
            value,
            depth: self.depth + 1,
        })
    }

    /// The table's sequence `1..n`, if its keys are exactly those (and `n > 0`).
    fn as_sequence(table: &Table) -> Result<Option<Vec<Value>>> {
        let n = table.len()?;
        let mut count = 0usize;
        for pair in table.clone().pairs::<Value, Value>() {
            pair?;
            count += 1;
            if count > n {
                return Ok(None);
            }
        }
        if n == 0 || count != n {
            return Ok(None);
        }
        (1..=n as i64)
            .map(|i| table.raw_get(i))
            .collect::<Result<Vec<Value>>>()
            .map(Some)
    }

    fn number(&self) -> Result<f64> {
        match self.value {
            Value::Number(n) => Ok(n),
            ref other => Err(mismatch(other, "number")),
        }
    }

    /// The number as an integer, when it is one within `min..=max`.
    fn integer(&self, min: f64, max: f64, to: &'static str) -> Result<f64> {
        let n = self.number()?;
        if n.fract() != 0.0 || n < min || n > max {
            return Err(Error::FromLuaConversionError {
                from: "number",
                to,
                message: Some(format!("{n} is not a {to}")),
            });
        }
        Ok(n)
    }

    fn string(&self) -> Result<String> {
        match &self.value {
            Value::String(s) => Ok(s.to_str()?.to_string()),
            other => Err(mismatch(other, "string")),
        }
    }
}

macro_rules! deserialize_integer {
    ($method:ident, $visit:ident, $ty:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let n = self.integer(<$ty>::MIN as f64, <$ty>::MAX as f64, stringify!($ty))?;
            visitor.$visit(n as $ty)
        }
    };
}

impl<'de> de::Deserializer<'de> for Deserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.value {
            Value::Nil => visitor.visit_unit(),
            Value::Boolean(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
                    visitor.visit_i64(*n as i64)
                } else {
                    visitor.visit_f64(*n)
                }
            }
            Value::String(s) => match s.to_str() {
                Ok(text) => visitor.visit_string(text.to_string()),
                Err(_) => visitor.visit_byte_buf(s.as_bytes()?.to_vec()),
            },
            Value::Table(table) => match Self::as_sequence(table)? {
                Some(items) => self.visit_items(items, visitor),
                None => self.visit_table_map(table.clone(), visitor),
            },
            other => Err(mismatch(other, "serde value")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Boolean(b) => visitor.visit_bool(b),
            ref other => Err(mismatch(other, "boolean")),
        }
    }

    deserialize_integer!(deserialize_i8, visit_i8, i8);
    deserialize_integer!(deserialize_i16, visit_i16, i16);
    deserialize_integer!(deserialize_i32, visit_i32, i32);
    deserialize_integer!(deserialize_i64, visit_i64, i64);
    deserialize_integer!(deserialize_u8, visit_u8, u8);
    deserialize_integer!(deserialize_u16, visit_u16, u16);
    deserialize_integer!(deserialize_u32, visit_u32, u32);
    deserialize_integer!(deserialize_u64, visit_u64, u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f32(self.number()? as f32)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(self.number()?)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let s = self.string()?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(mismatch(&self.value, "char")),
        }
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.string()?)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.string()?)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.value {
            Value::String(s) => visitor.visit_byte_buf(s.as_bytes()?.to_vec()),
            other => Err(mismatch(other, "bytes")),
        }
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Nil => visitor.visit_unit(),
            ref other => Err(mismatch(other, "nil")),
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.value {
            Value::Table(table) => {
                let n = table.len()?;
                let items = (1..=n as i64)
                    .map(|i| table.raw_get(i))
                    .collect::<Result<Vec<Value>>>()?;
                self.visit_items(items, visitor)
            }
            other => Err(mismatch(other, "sequence")),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.value {
            Value::Table(table) => {
                let table = table.clone();
                self.visit_table_map(table, visitor)
            }
            other => Err(mismatch(other, "map")),
        }
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match &self.value {
            Value::String(_) => visitor.visit_enum(self.string()?.into_deserializer()),
            Value::Table(table) => {
                let mut pairs = table.clone().pairs::<Value, Value>();
                let (variant, value) = match (pairs.next(), pairs.next()) {
                    (Some(pair), None) => pair?,
                    _ => {
                        return Err(<Error as de::Error>::custom(
                            "an enum variant is a table with exactly one key",
                        ))
                    }
                };
                let variant = self.child(variant)?.string()?;
                let value = self.child(value)?;
                visitor.visit_enum(Variant { variant, value })
            }
            other => Err(mismatch(other, "enum")),
        }
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

impl Deserializer {
    fn visit_items<'de, V: Visitor<'de>>(&self, items: Vec<Value>, visitor: V) -> Result<V::Value> {
        let children = items
            .into_iter()
            .map(|v| self.child(v))
            .collect::<Result<Vec<Deserializer>>>()?;
        visitor.visit_seq(Items(children.into_iter()))
    }

    fn visit_table_map<'de, V: Visitor<'de>>(&self, table: Table, visitor: V) -> Result<V::Value> {
        let mut entries = Vec::new();
        for pair in table.pairs::<Value, Value>() {
            let (k, v) = pair?;
            entries.push((self.child(k)?, self.child(v)?));
        }
        visitor.visit_map(Entries {
            entries: entries.into_iter(),
            value: None,
        })
    }
}

struct Items(std::vec::IntoIter<Deserializer>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.0.next().map(|d| seed.deserialize(d)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries {
    entries: std::vec::IntoIter<(Deserializer, Deserializer)>,
    value: Option<Deserializer>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a map value without its key"))?;
        seed.deserialize(value)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Variant {
    variant: String,
    value: Deserializer,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Deserializer;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Deserializer)> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, self.value))
    }
}

impl<'de> VariantAccess<'de> for Deserializer {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
