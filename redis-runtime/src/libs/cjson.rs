//! Placeholder: being written.

use lua_core::native::{Ctx, Raised, Slot};

/// Open the library as a global table; its slot is left on the stack.
pub fn open(ctx: &mut Ctx) -> Result<Slot, Raised> {
    ctx.register_library("cjson", &[])
}
