//! Chunk names as they appear in messages (`t.lua:3:`, `[string "x = 1"]:1:`), as in Lua 5.1's
//! `luaO_chunkid`.
//!
//! A chunk name is given as `=name` (shown as `name`), `@file` (shown as `file`, keeping its end
//! when too long) or anything else, taken to be the source text itself (shown as
//! `[string "first line..."]`). The name is a C string in Lua 5.1, so it ends at its first `\0`.

/// Room for a chunk description in runtime error messages (`LUA_IDSIZE`, terminator included).
pub const LUA_IDSIZE: usize = 60;

/// Room for a chunk description in syntax error messages (the lexer's `MAXSRC`).
pub const SYNTAX_IDSIZE: usize = 80;

/// The chunk description used in runtime error positions (room of `LUA_IDSIZE`).
pub fn chunk_id(source: &[u8]) -> Vec<u8> {
    chunk_id_sized(source, LUA_IDSIZE)
}

/// The chunk description fitting a buffer of `bufflen` bytes, terminator included, as in
/// `luaO_chunkid(out, source, bufflen)`.
pub fn chunk_id_sized(source: &[u8], bufflen: usize) -> Vec<u8> {
    let source = crate::cstr::c_str(source);
    match source.split_first() {
        Some((b'=', name)) => {
            let keep = name.len().min(bufflen.saturating_sub(1));
            name.get(..keep).unwrap_or(name).to_vec()
        }
        Some((b'@', file)) => {
            // Room left once `" '...' "` (with its terminator) is set aside.
            let room = bufflen.saturating_sub(" '...' ".len() + 1);
            let mut out = Vec::with_capacity(room + 3);
            if file.len() > room {
                out.extend_from_slice(b"...");
                out.extend_from_slice(file.get(file.len() - room..).unwrap_or(file));
            } else {
                out.extend_from_slice(file);
            }
            out
        }
        _ => {
            // Room left once `" [string \"...\"] "` (with its terminator) is set aside.
            let room = bufflen.saturating_sub(" [string \"...\"] ".len() + 1);
            let first_line = source
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .unwrap_or(source.len());
            let len = first_line.min(room);
            let mut out = Vec::with_capacity(len + 16);
            out.extend_from_slice(b"[string \"");
            out.extend_from_slice(source.get(..len).unwrap_or(source));
            if len < source.len() {
                out.extend_from_slice(b"...");
            }
            out.extend_from_slice(b"\"]");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> String {
        String::from_utf8_lossy(&chunk_id(s.as_bytes())).into_owned()
    }

    #[test]
    fn equals_sign_names_are_shown_verbatim() {
        assert_eq!(id("=stdin"), "stdin");
        let long = format!("={}", "n".repeat(100));
        assert_eq!(id(&long), "n".repeat(59));
        let syn = chunk_id_sized(long.as_bytes(), SYNTAX_IDSIZE);
        assert_eq!(syn, "n".repeat(79).as_bytes());
    }

    #[test]
    fn at_sign_names_keep_their_end() {
        assert_eq!(id("@t.lua"), "t.lua");
        let long = format!("@{}E", "n".repeat(99));
        assert_eq!(id(&long), format!("...{}E", "n".repeat(51)));
        let syn = chunk_id_sized(long.as_bytes(), SYNTAX_IDSIZE);
        assert_eq!(syn, format!("...{}E", "n".repeat(71)).as_bytes());
    }

    #[test]
    fn source_text_shows_its_first_line() {
        assert_eq!(id("x = 1"), "[string \"x = 1\"]");
        assert_eq!(id("x = 1\ny = 2"), "[string \"x = 1...\"]");
        assert_eq!(id("ab\0cd"), "[string \"ab\"]");
        let long = format!("x = {}", "(".repeat(80));
        let syn = chunk_id_sized(long.as_bytes(), SYNTAX_IDSIZE);
        assert_eq!(
            String::from_utf8_lossy(&syn),
            format!("[string \"x = {}...\"]", "(".repeat(59))
        );
    }
}
