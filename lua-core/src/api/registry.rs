//! [`RegistryKey`]: a Rust-held reference that keeps any Lua value alive.

use super::context::Slot;
use std::rc::Rc;

/// A value kept alive for Rust, outside anything Lua code can reach. Made by
/// [`Lua::create_registry_value`](super::Lua::create_registry_value) and read with
/// [`Lua::registry_value`](super::Lua::registry_value); the value is released when the key is
/// dropped.
pub struct RegistryKey(pub(crate) Rc<Slot>);

impl std::fmt::Debug for RegistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryKey({})", self.0.value.type_name())
    }
}
