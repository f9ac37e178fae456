//! Geo commands (`geo.c`): points stored as sorted-set members whose scores are 52-bit
//! geohashes. GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
//! GEORADIUSBYMEMBER and their read-only forms.

use super::{int_arg, is, Ctx, Handler, NOT_FLOAT, SYNTAX, WRONGTYPE};
use crate::db::geohash::{self, Search, Shape};
use crate::db::notify::class;
use crate::db::zset::ZSet;
use crate::db::Value;
use crate::resp::reply::ReplyWriter;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("geoadd", geoadd),
    ("geopos", geopos),
    ("geodist", geodist),
    ("geohash", geohash_command),
    ("geosearch", geosearch),
    ("geosearchstore", geosearchstore),
    ("georadius", georadius),
    ("georadius_ro", georadius_ro),
    ("georadiusbymember", georadiusbymember),
    ("georadiusbymember_ro", georadiusbymember_ro),
];

/// A coordinate pair argument, in range, or `None` after Redis's error.
fn lon_lat_args(ctx: &mut Ctx, args: &[&[u8]]) -> Option<(f64, f64)> {
    let mut xy = [0.0; 2];
    for (slot, arg) in xy.iter_mut().zip(args) {
        match crate::util::parse_f64_in_range(arg) {
            Some(v) => *slot = v,
            None => {
                ctx.client.reply.error(NOT_FLOAT);
                return None;
            }
        }
    }
    let [lon, lat] = xy;
    if !(geohash::LONG_MIN..=geohash::LONG_MAX).contains(&lon)
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&lat)
    {
        ctx.client.reply.error(&format!(
            "ERR invalid longitude,latitude pair {lon:.6},{lat:.6}"
        ));
        return None;
    }
    Some((lon, lat))
}

/// Meters per unit, or `None` after the error.
fn unit_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<f64> {
    let meters = match arg {
        u if is(u, "m") => 1.0,
        u if is(u, "km") => 1000.0,
        u if is(u, "ft") => 0.3048,
        u if is(u, "mi") => 1609.34,
        _ => {
            ctx.client
                .reply
                .error("ERR unsupported unit provided. please use M, KM, FT, MI");
            return None;
        }
    };
    Some(meters)
}

fn float_arg(ctx: &mut Ctx, arg: &[u8], error: &str) -> Option<f64> {
    let v = crate::util::parse_f64_in_range(arg);
    if v.is_none() {
        ctx.client.reply.error(&format!("ERR {error}"));
    }
    v
}

/// `radius unit`: the radius and meters per unit.
fn distance_args(ctx: &mut Ctx, args: &[&[u8]]) -> Option<(f64, f64)> {
    let radius = float_arg(ctx, args[0], "need numeric radius")?;
    if radius < 0.0 {
        ctx.client.reply.error("ERR radius cannot be negative");
        return None;
    }
    Some((radius, unit_arg(ctx, args[1])?))
}

/// `width height unit`.
fn box_args(ctx: &mut Ctx, args: &[&[u8]]) -> Option<(f64, f64, f64)> {
    let width = float_arg(ctx, args[0], "need numeric width")?;
    let height = float_arg(ctx, args[1], "need numeric height")?;
    if height < 0.0 || width < 0.0 {
        ctx.client
            .reply
            .error("ERR height or width cannot be negative");
        return None;
    }
    Some((width, height, unit_arg(ctx, args[2])?))
}

/// A distance as Redis writes it: fixed point with four decimals (`fixedpoint_d2string`).
fn write_distance(out: &mut ReplyWriter, d: f64) {
    let scaled = (d * 10000.0).round_ties_even();
    let scaled = if scaled.is_finite() { scaled as i64 } else { 0 };
    let sign = if scaled < 0 { "-" } else { "" };
    let v = scaled.unsigned_abs();
    out.bulk(format!("{sign}{}.{:04}", v / 10000, v % 10000).as_bytes());
}

/// A coordinate as Redis writes it (`addReplyHumanLongDouble`): 17 decimals, trailing
/// zeros dropped.
fn write_coordinate(out: &mut ReplyWriter, v: f64) {
    let mut text = format!("{v:.17}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        text = "0".into();
    }
    if out.resp3() {
        out.buf.push(b',');
        out.buf.extend_from_slice(text.as_bytes());
        out.buf.extend_from_slice(b"\r\n");
    } else {
        out.bulk(text.as_bytes());
    }
}

/// The sorted set at `key` for reading; `Err` after WRONGTYPE.
fn read_zset<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSet>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

fn geoadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut first = 2;
    let (mut nx, mut xx) = (false, false);
    while first < argv.len() {
        let opt = argv[first];
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if !is(opt, "ch") {
            break;
        }
        first += 1;
    }
    if (argv.len() - first) % 3 != 0 || (nx && xx) {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    // GEOADD is ZADD with each point's geohash as its score.
    let mut scores = Vec::new();
    for point in argv[first..].chunks_exact(3) {
        let Some((lon, lat)) = lon_lat_args(ctx, &point[..2]) else {
            return;
        };
        let cell = geohash::encode(lon, lat, geohash::STEP_MAX).unwrap_or_default();
        scores.push(geohash::align52(cell).to_string().into_bytes());
    }
    let mut zadd_argv: Vec<&[u8]> = vec![b"zadd"];
    zadd_argv.extend_from_slice(&argv[1..first]);
    for (point, score) in argv[first..].chunks_exact(3).zip(&scores) {
        zadd_argv.push(score);
        zadd_argv.push(point[2]);
    }
    super::zsets::zadd(ctx, &zadd_argv);
    // Propagated as the ZADD it ran (`replaceClientCommandVector`).
    ctx.client
        .propagate_instead(vec![super::logged(&zadd_argv)]);
}

fn geopos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    {
        let Ok(z) = read_zset(ctx, argv[1]) else {
            return;
        };
        out.array(argv.len() - 2);
        for member in &argv[2..] {
            match z
                .and_then(|z| z.score(member))
                .and_then(geohash::decode_score)
            {
                None => out.null_array(),
                Some((lon, lat)) => {
                    out.array(2);
                    write_coordinate(&mut out, lon);
                    write_coordinate(&mut out, lat);
                }
            }
        }
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn geodist(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut to_meters = 1.0;
    if argv.len() == 5 {
        let Some(u) = unit_arg(ctx, argv[4]) else {
            return;
        };
        to_meters = u;
    } else if argv.len() > 5 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    let points = {
        let Ok(z) = read_zset(ctx, argv[1]) else {
            return;
        };
        z.map(|z| {
            let a = z.score(argv[2]).and_then(geohash::decode_score);
            let b = z.score(argv[3]).and_then(geohash::decode_score);
            a.zip(b)
        })
    };
    match points.flatten() {
        None => ctx.client.reply.null(),
        Some(((lon1, lat1), (lon2, lat2))) => {
            let d = geohash::distance(lon1, lat1, lon2, lat2) / to_meters;
            write_distance(&mut ctx.client.reply, d);
        }
    }
}

fn geohash_command(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    {
        let Ok(z) = read_zset(ctx, argv[1]) else {
            return;
        };
        out.array(argv.len() - 2);
        for member in &argv[2..] {
            match z
                .and_then(|z| z.score(member))
                .and_then(geohash::decode_score)
            {
                None => out.null(),
                Some((lon, lat)) => out.bulk(&geohash::standard_hash(lon, lat)),
            }
        }
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

/// Which geo search command runs.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// GEORADIUS: centre and radius in fixed positions.
    Radius {
        read_only: bool,
    },
    /// GEORADIUSBYMEMBER.
    ByMember {
        read_only: bool,
    },
    Search,
    SearchStore,
}

fn georadius(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::Radius { read_only: false });
}

fn georadius_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::Radius { read_only: true });
}

fn georadiusbymember(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::ByMember { read_only: false });
}

fn georadiusbymember_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::ByMember { read_only: true });
}

fn geosearch(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::Search);
}

fn geosearchstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    search_generic(ctx, argv, Form::SearchStore);
}

/// A point found.
struct Found {
    member: Vec<u8>,
    score: f64,
    longitude: f64,
    latitude: f64,
    distance: f64,
}

#[derive(Default)]
struct SearchOptions<'a> {
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    any: bool,
    count: i64,
    sort: Option<bool>,
    store: Option<&'a [u8]>,
    store_dist: bool,
}

/// The member's position in the set, or `None` after "could not decode".
fn member_position(ctx: &mut Ctx, key: &[u8], member: &[u8]) -> Option<(f64, f64)> {
    let db = ctx.client.db;
    let found = match ctx.server.keyspace.peek(db, key) {
        Some(Value::ZSet(z)) => z.score(member).and_then(geohash::decode_score),
        _ => None,
    };
    if found.is_none() {
        ctx.client
            .reply
            .error("ERR could not decode requested zset member");
    }
    found
}

fn search_generic(ctx: &mut Ctx, argv: &[&[u8]], form: Form) {
    let src = if form == Form::SearchStore {
        argv[2]
    } else {
        argv[1]
    };
    let exists = match read_zset(ctx, src) {
        Err(()) => return,
        Ok(z) => z.is_some(),
    };
    let mut centre: Option<(f64, f64)> = None;
    let mut shape: Option<(Shape, f64)> = None;
    let base = match form {
        Form::Radius { .. } => {
            let Some(xy) = lon_lat_args(ctx, &argv[2..4]) else {
                return;
            };
            let Some((radius, conversion)) = distance_args(ctx, &argv[4..6]) else {
                return;
            };
            centre = Some(xy);
            shape = Some((Shape::Circle { radius }, conversion));
            6
        }
        Form::ByMember { .. } if !exists => 5,
        Form::ByMember { .. } => {
            let Some(xy) = member_position(ctx, src, argv[2]) else {
                return;
            };
            let Some((radius, conversion)) = distance_args(ctx, &argv[3..5]) else {
                return;
            };
            centre = Some(xy);
            shape = Some((Shape::Circle { radius }, conversion));
            5
        }
        Form::Search => 2,
        Form::SearchStore => 3,
    };
    let searching = matches!(form, Form::Search | Form::SearchStore);
    let no_store = matches!(
        form,
        Form::Radius { read_only: true } | Form::ByMember { read_only: true }
    );
    let mut o = SearchOptions::default();
    if form == Form::SearchStore {
        o.store = Some(argv[1]);
    }
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let rest = &argv[base.min(argv.len())..];
    let mut i = 0;
    while i < rest.len() {
        let arg = rest[i];
        let left = rest.len() - i - 1;
        if is(arg, "withdist") {
            o.with_dist = true;
        } else if is(arg, "withhash") {
            o.with_hash = true;
        } else if is(arg, "withcoord") {
            o.with_coord = true;
        } else if is(arg, "any") {
            o.any = true;
        } else if is(arg, "asc") {
            o.sort = Some(true);
        } else if is(arg, "desc") {
            o.sort = Some(false);
        } else if is(arg, "count") && left >= 1 {
            let Some(n) = int_arg(ctx, rest[i + 1]) else {
                return;
            };
            if n <= 0 {
                ctx.client.reply.error("ERR COUNT must be > 0");
                return;
            }
            o.count = n;
            i += 1;
        } else if (is(arg, "store") || is(arg, "storedist")) && left >= 1 && !no_store && !searching
        {
            o.store = Some(rest[i + 1]);
            o.store_dist = is(arg, "storedist");
            i += 1;
        } else if is(arg, "storedist") && form == Form::SearchStore {
            o.store_dist = true;
        } else if is(arg, "frommember") && left >= 1 && searching && !from_lonlat {
            if exists {
                let Some(xy) = member_position(ctx, src, rest[i + 1]) else {
                    return;
                };
                centre = Some(xy);
            }
            from_member = true;
            i += 1;
        } else if is(arg, "fromlonlat") && left >= 2 && searching && !from_member {
            let Some(xy) = lon_lat_args(ctx, &rest[i + 1..i + 3]) else {
                return;
            };
            centre = Some(xy);
            from_lonlat = true;
            i += 2;
        } else if is(arg, "byradius") && left >= 2 && searching && !by_box {
            let Some((radius, conversion)) = distance_args(ctx, &rest[i + 1..i + 3]) else {
                return;
            };
            shape = Some((Shape::Circle { radius }, conversion));
            by_radius = true;
            i += 2;
        } else if is(arg, "bybox") && left >= 3 && searching && !by_radius {
            let Some((width, height, conversion)) = box_args(ctx, &rest[i + 1..i + 4]) else {
                return;
            };
            shape = Some((Shape::Box { width, height }, conversion));
            by_box = true;
            i += 3;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        i += 1;
    }
    let name = String::from_utf8_lossy(argv[0]).into_owned();
    if o.store.is_some() && (o.with_dist || o.with_hash || o.with_coord) {
        let what = if form == Form::SearchStore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        ctx.client.reply.error(&format!(
            "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        ));
        return;
    }
    if searching && !(from_member || from_lonlat) {
        ctx.client.reply.error(&format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        ));
        return;
    }
    if searching && !(by_radius || by_box) {
        ctx.client.reply.error(&format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {name}"
        ));
        return;
    }
    if o.any && o.count == 0 {
        ctx.client
            .reply
            .error("ERR the ANY argument requires COUNT argument");
        return;
    }
    let (Some((longitude, latitude)), Some((shape, conversion))) = (centre, shape) else {
        // No such key: nothing found.
        match o.store {
            Some(dest) => {
                let db = ctx.client.db;
                if ctx.server.keyspace.delete(db, dest).is_some() {
                    ctx.server.keyspace.notify(class::GENERIC, "del", db, dest);
                }
                ctx.client.reply.int(0);
            }
            None => ctx.client.reply.array(0),
        }
        return;
    };
    if o.count != 0 && o.sort.is_none() && !o.any {
        o.sort = Some(true);
    }
    let search = Search {
        longitude,
        latitude,
        shape,
        conversion,
    };
    let limit = if o.any { o.count as usize } else { 0 };
    let mut found = {
        let db = ctx.client.db;
        match ctx.server.keyspace.peek(db, src) {
            Some(Value::ZSet(z)) => points_in_cells(z, &search, limit),
            _ => Vec::new(),
        }
    };
    if let Some(ascending) = o.sort {
        found.sort_by(|a, b| {
            let order = a
                .distance
                .partial_cmp(&b.distance)
                .unwrap_or(std::cmp::Ordering::Equal);
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
    }
    let returned = if o.count == 0 {
        found.len()
    } else {
        found.len().min(o.count as usize)
    };
    found.truncate(returned);
    for f in &mut found {
        f.distance /= conversion;
    }
    match o.store {
        None => write_found(&mut ctx.client.reply, &found, &o),
        Some(dest) => store_found(ctx, dest, found, o.store_dist, searching),
    }
}

/// The points inside the search, visiting its cells as Redis does (the same cell twice in a
/// row is visited once), stopping at `limit` points (0: no limit).
fn points_in_cells(z: &ZSet, search: &Search, limit: usize) -> Vec<Found> {
    let cells = geohash::search_cells(search);
    let mut found = Vec::new();
    let mut last: Option<usize> = None;
    for (i, cell) in cells.iter().enumerate() {
        if cell.bits == 0 && cell.step == 0 {
            continue;
        }
        // Redis compares with the last cell visited only once it has visited one past the
        // centre (its "last processed" index starts at 0, which reads as none).
        if let Some(l) = last.filter(|&l| l != 0) {
            if cells[l] == *cell {
                continue;
            }
        }
        if limit != 0 && found.len() >= limit {
            break;
        }
        let (min, max) = geohash::score_range(*cell);
        for (member, score) in z.range_by_score(min, max) {
            if let Some((lon, lat)) = geohash::decode_score(score) {
                if let Some(d) = geohash::within(search, lon, lat) {
                    found.push(Found {
                        member: member.to_vec(),
                        score,
                        longitude: lon,
                        latitude: lat,
                        distance: d,
                    });
                }
            }
            if limit != 0 && found.len() >= limit {
                break;
            }
        }
        last = Some(i);
    }
    found
}

fn write_found(out: &mut ReplyWriter, found: &[Found], o: &SearchOptions<'_>) {
    let extras = usize::from(o.with_dist) + usize::from(o.with_hash) + usize::from(o.with_coord);
    out.array(found.len());
    for f in found {
        if extras > 0 {
            out.array(extras + 1);
        }
        out.bulk(&f.member);
        if o.with_dist {
            write_distance(out, f.distance);
        }
        if o.with_hash {
            out.int(f.score as i64);
        }
        if o.with_coord {
            out.array(2);
            write_coordinate(out, f.longitude);
            write_coordinate(out, f.latitude);
        }
    }
}

fn store_found(ctx: &mut Ctx, dest: &[u8], found: Vec<Found>, by_distance: bool, searching: bool) {
    let db = ctx.client.db;
    let n = found.len();
    if n > 0 {
        let limits = ctx.limits();
        let mut z = ZSet::default();
        for f in &found {
            let score = if by_distance { f.distance } else { f.score };
            z.insert(&f.member, score, &limits);
        }
        let z = z.with_encoding_for(&limits);
        ctx.server.keyspace.set(db, dest, Value::ZSet(z), false);
        let event = if searching {
            "geosearchstore"
        } else {
            "georadiusstore"
        };
        ctx.server.keyspace.notify(class::ZSET, event, db, dest);
        // Each member stored counts, as Redis counts them (the replacement counted one).
        ctx.server.keyspace.count_writes(n as u64 - 1);
    } else if ctx.server.keyspace.delete(db, dest).is_some() {
        ctx.server.keyspace.notify(class::GENERIC, "del", db, dest);
    }
    ctx.client.reply.int(n as i64);
}
