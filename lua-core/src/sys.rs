//! What the libraries need from the operating system's files, in one place: paths from Lua's
//! byte strings, whole-file reads, and the C library's wording of I/O errors.

use std::io::Read;

/// A file, or standard input, to read from.
pub(crate) fn open_source(
    path: Option<&[u8]>,
) -> Result<Box<dyn Read>, (&'static str, std::io::Error)> {
    match path {
        None => Ok(Box::new(std::io::stdin())),
        Some(p) => {
            let f = std::fs::File::open(bytes_to_path(p)).map_err(|e| ("open", e))?;
            Ok(Box::new(f))
        }
    }
}

/// Read a whole file or standard input.
pub(crate) fn read_source(path: Option<&[u8]>) -> Result<Vec<u8>, (&'static str, std::io::Error)> {
    let mut data = Vec::new();
    match path {
        None => std::io::stdin()
            .lock()
            .read_to_end(&mut data)
            .map_err(|e| ("read", e))?,
        Some(p) => {
            let p = bytes_to_path(p);
            let mut f = std::fs::File::open(p).map_err(|e| ("open", e))?;
            f.read_to_end(&mut data).map_err(|e| ("read", e))?
        }
    };
    Ok(data)
}

#[cfg(unix)]
pub(crate) fn bytes_to_path(p: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(p))
}

#[cfg(not(unix))]
pub(crate) fn bytes_to_path(p: &[u8]) -> std::path::PathBuf {
    std::path::PathBuf::from(String::from_utf8_lossy(p).into_owned())
}

/// The C library's text for an I/O error (`strerror`), without Rust's "(os error N)" suffix.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `luaL_loadfile`'s message for a file it cannot `what` (open, read): `cannot open x.lua: No
/// such file or directory`.
pub(crate) fn file_error_message(what: &str, name: &[u8], e: &std::io::Error) -> Vec<u8> {
    let mut msg = format!("cannot {what} ").into_bytes();
    msg.extend_from_slice(name);
    msg.extend_from_slice(format!(": {}", strerror(e)).as_bytes());
    msg
}
