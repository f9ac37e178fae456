//! Rust values to Lua values and back through serde (feature `serde`).
#![cfg(feature = "serde")]

use lua_core::api::{Error, Lua, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Dot,
    Circle(f64),
    Line(i32, i32),
    Rect { w: u32, h: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Job {
    id: u64,
    name: String,
    tags: Vec<String>,
    retries: Option<u8>,
    shapes: Vec<Shape>,
    meta: BTreeMap<String, i64>,
    done: bool,
    ratio: f64,
    letter: char,
}

fn sample() -> Job {
    Job {
        id: 42,
        name: "queue:emails".into(),
        tags: vec!["a".into(), "b".into()],
        retries: None,
        shapes: vec![
            Shape::Dot,
            Shape::Circle(1.5),
            Shape::Line(-1, 2),
            Shape::Rect { w: 3, h: 4 },
        ],
        meta: [("attempts".to_string(), 3), ("priority".to_string(), -7)]
            .into_iter()
            .collect(),
        done: true,
        ratio: 0.25,
        letter: 'é',
    }
}

#[test]
fn a_struct_becomes_tables_scripts_can_read_and_comes_back() {
    let lua = Lua::new();
    let value = lua.to_value(&sample()).expect("to_value");
    lua.globals().set("job", value).expect("set");
    // What a script sees.
    let seen: String = lua
        .load(
            "return table.concat({job.id, job.name, #job.tags, tostring(job.retries), \
             job.shapes[1], job.shapes[2].Circle, job.shapes[3].Line[2], \
             job.shapes[4].Rect.h, job.meta.priority, tostring(job.done), job.ratio, job.letter}, ' ')",
        )
        .eval()
        .expect("read from Lua");
    assert_eq!(seen, "42 queue:emails 2 nil Dot 1.5 2 4 -7 true 0.25 é");
    // And back, after the script changed it.
    lua.load("job.id = job.id + 1 job.retries = 2 table.insert(job.tags, 'c')")
        .exec()
        .expect("change");
    let job: Value = lua.globals().get("job").expect("get");
    let back: Job = lua.from_value(job).expect("from_value");
    let mut expected = sample();
    expected.id = 43;
    expected.retries = Some(2);
    expected.tags.push("c".into());
    assert_eq!(back, expected);
}

#[test]
fn self_describing_targets_read_sequences_and_maps() {
    let lua = Lua::new();
    let value: Value = lua
        .load("return {list = {1, 2.5, 'x'}, map = {a = true}, empty = {}, n = 7}")
        .eval()
        .expect("eval");
    let json: serde_json::Value = lua.from_value(value).expect("from_value");
    assert_eq!(
        json,
        serde_json::json!({"list": [1, 2.5, "x"], "map": {"a": true}, "empty": {}, "n": 7})
    );
    // And JSON into Lua.
    let value = lua.to_value(&json).expect("to_value");
    lua.globals().set("v", value).expect("set");
    let n: i64 = lua
        .load("return v.list[1] + #v.list + v.n")
        .eval()
        .expect("eval");
    assert_eq!(n, 11);
}

#[test]
fn mismatches_and_bad_shapes_are_errors() {
    let lua = Lua::new();
    let text: Value = lua.load("return 'not a number'").eval().expect("eval");
    assert!(matches!(
        lua.from_value::<u32>(text),
        Err(Error::FromLuaConversionError { .. })
    ));
    for source in ["return -1", "return 1.5", "return 2^40"] {
        let v: Value = lua.load(source).eval().expect("eval");
        assert!(lua.from_value::<u32>(v).is_err(), "{source}");
    }
    let two_keys: Value = lua
        .load("return {Dot = 1, Circle = 2}")
        .eval()
        .expect("eval");
    assert!(lua.from_value::<Shape>(two_keys).is_err());
    let unknown: Value = lua.load("return 'Hexagon'").eval().expect("eval");
    assert!(lua.from_value::<Shape>(unknown).is_err());
}

#[test]
fn a_table_that_contains_itself_is_an_error_not_a_crash() {
    let lua = Lua::new();
    let cyclic: Value = lua
        .load("local t = {} t.self = t t[1] = t return t")
        .eval()
        .expect("eval");
    assert!(lua.from_value::<serde_json::Value>(cyclic).is_err());
    // Deep Rust data is refused the same way.
    let mut deep = serde_json::json!(1);
    for _ in 0..200 {
        deep = serde_json::json!([deep]);
    }
    assert!(lua.to_value(&deep).is_err());
    let mut shallow = serde_json::json!(1);
    for _ in 0..100 {
        shallow = serde_json::json!([shallow]);
    }
    let v = lua.to_value(&shallow).expect("100 levels");
    let back: serde_json::Value = lua.from_value(v).expect("back");
    assert_eq!(back, shallow);
}
