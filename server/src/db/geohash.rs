//! Geohashes as Redis computes them (`geohash.c`, `geohash_helper.c`): 52-bit interleaved
//! cells over the Web Mercator latitude range, the nine cells a search visits, and distances
//! on a sphere. Every formula is Redis's, in the same order, so results match to the last bit.

/// The latitude range Web Mercator can represent, and the longitude range.
pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
/// Cells of 26 steps: 52 bits, what a sorted set score holds exactly.
pub const STEP_MAX: u8 = 26;

const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;

/// A cell: its interleaved bits at a number of steps (`GeoHashBits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cell {
    pub bits: u64,
    pub step: u8,
}

impl Cell {
    fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// A cell's extent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Area {
    pub long_min: f64,
    pub long_max: f64,
    pub lat_min: f64,
    pub lat_max: f64,
}

fn interleave(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let (mut x, mut y) = (u64::from(xlo), u64::from(ylo));
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

fn deinterleave(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let (mut x, mut y) = (interleaved, interleaved >> 1);
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// The cell holding a point, over the given ranges (`geohashEncode`); `None` outside them.
pub fn encode_in(
    long_range: (f64, f64),
    lat_range: (f64, f64),
    longitude: f64,
    latitude: f64,
    step: u8,
) -> Option<Cell> {
    if step > 32 || step == 0 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&longitude) || !(LAT_MIN..=LAT_MAX).contains(&latitude) {
        return None;
    }
    if latitude < lat_range.0
        || latitude > lat_range.1
        || longitude < long_range.0
        || longitude > long_range.1
    {
        return None;
    }
    let mut lat_offset = (latitude - lat_range.0) / (lat_range.1 - lat_range.0);
    let mut long_offset = (longitude - long_range.0) / (long_range.1 - long_range.0);
    let scale = (1u64 << step) as f64;
    lat_offset *= scale;
    long_offset *= scale;
    Some(Cell {
        bits: interleave(lat_offset as u32, long_offset as u32),
        step,
    })
}

/// The Mercator cell holding a point.
pub fn encode(longitude: f64, latitude: f64, step: u8) -> Option<Cell> {
    encode_in(
        (LONG_MIN, LONG_MAX),
        (LAT_MIN, LAT_MAX),
        longitude,
        latitude,
        step,
    )
}

/// A Mercator cell's extent (`geohashDecode`); `None` for the zero cell.
pub fn decode(cell: Cell) -> Option<Area> {
    if cell.is_zero() {
        return None;
    }
    let separated = deinterleave(cell.bits);
    let lat_scale = LAT_MAX - LAT_MIN;
    let long_scale = LONG_MAX - LONG_MIN;
    let ilato = separated as u32;
    let ilono = (separated >> 32) as u32;
    let cells = (1u64 << cell.step) as f64;
    Some(Area {
        lat_min: LAT_MIN + (f64::from(ilato) * 1.0 / cells) * lat_scale,
        lat_max: LAT_MIN + ((f64::from(ilato) + 1.0) * 1.0 / cells) * lat_scale,
        long_min: LONG_MIN + (f64::from(ilono) * 1.0 / cells) * long_scale,
        long_max: LONG_MIN + ((f64::from(ilono) + 1.0) * 1.0 / cells) * long_scale,
    })
}

/// C's `(uint64_t)` of a double as x86-64 compilers emit it: truncation through a signed
/// conversion below 2^63 (so negative scores wrap), the high half offset above it, and the
/// "indefinite" result for what neither covers. Redis decodes any score this way.
fn c_double_to_u64(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let signed = |v: f64| -> i64 {
        if v.is_nan() || v >= TWO_63 || v < -TWO_63 {
            i64::MIN
        } else {
            v as i64
        }
    };
    if x < TWO_63 {
        signed(x) as u64
    } else {
        (signed(x - TWO_63) as u64) ^ (1 << 63)
    }
}

/// The point a sorted-set score stands for: the centre of its 52-bit cell, clamped.
pub fn decode_score(score: f64) -> Option<(f64, f64)> {
    let area = decode(Cell {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    })?;
    let longitude = ((area.long_min + area.long_max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let latitude = ((area.lat_min + area.lat_max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    Some((longitude, latitude))
}

/// A cell's bits moved to the top of 52 bits (the score of its first point).
pub fn align52(cell: Cell) -> u64 {
    cell.bits << (52 - u32::from(cell.step) * 2)
}

fn move_x(cell: &mut Cell, d: i8) {
    if d == 0 {
        return;
    }
    let mut x = cell.bits & 0xaaaaaaaaaaaaaaaa;
    let y = cell.bits & 0x5555555555555555;
    let zz = 0x5555555555555555u64 >> (64 - u32::from(cell.step) * 2);
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaau64 >> (64 - u32::from(cell.step) * 2);
    cell.bits = x | y;
}

fn move_y(cell: &mut Cell, d: i8) {
    if d == 0 {
        return;
    }
    let x = cell.bits & 0xaaaaaaaaaaaaaaaa;
    let mut y = cell.bits & 0x5555555555555555;
    let zz = 0xaaaaaaaaaaaaaaaau64 >> (64 - u32::from(cell.step) * 2);
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555555555555555u64 >> (64 - u32::from(cell.step) * 2);
    cell.bits = x | y;
}

fn moved(cell: Cell, dx: i8, dy: i8) -> Cell {
    let mut c = cell;
    move_x(&mut c, dx);
    move_y(&mut c, dy);
    c
}

/// What a search looks at: its shape around a centre.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A radius, in the unit's meters-per-unit `conversion`.
    Circle {
        radius: f64,
    },
    Box {
        width: f64,
        height: f64,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Search {
    pub longitude: f64,
    pub latitude: f64,
    pub shape: Shape,
    /// Meters per unit of the shape's sizes.
    pub conversion: f64,
}

fn deg_rad(ang: f64) -> f64 {
    ang * (std::f64::consts::PI / 180.0)
}

fn rad_deg(ang: f64) -> f64 {
    ang / (std::f64::consts::PI / 180.0)
}

fn estimate_steps(mut range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The bounding box of a search: min longitude, min latitude, max longitude, max latitude.
fn bounding_box(s: &Search) -> [f64; 4] {
    let (height, width) = match s.shape {
        Shape::Circle { radius } => (s.conversion * radius, s.conversion * radius),
        Shape::Box { width, height } => {
            (s.conversion * (height / 2.0), s.conversion * (width / 2.0))
        }
    };
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(s.latitude + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(s.latitude - lat_delta).cos());
    let southern = s.latitude < 0.0;
    let (left, right) = if southern {
        (
            s.longitude - long_delta_bottom,
            s.longitude + long_delta_bottom,
        )
    } else {
        (s.longitude - long_delta_top, s.longitude + long_delta_top)
    };
    [left, s.latitude - lat_delta, right, s.latitude + lat_delta]
}

/// The nine cells a search visits, in Redis's order (centre, north, south, east, west, NE,
/// NW, SE, SW), the zero cell for those it prunes (`geohashCalculateAreasByShapeWGS84`).
pub fn search_cells(s: &Search) -> [Cell; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(s);
    let radius_meters = match s.shape {
        Shape::Circle { radius } => radius,
        Shape::Box { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
    } * s.conversion;
    let mut steps = estimate_steps(radius_meters, s.latitude);
    let around = |steps: u8| {
        let centre = encode(s.longitude, s.latitude, steps).unwrap_or_default();
        let area = decode(centre).unwrap_or_default();
        (centre, area)
    };
    let (mut centre, mut area) = around(steps);
    let neighbour_area = |c: Cell, dx, dy| decode(moved(c, dx, dy)).unwrap_or_default();
    let decrease = neighbour_area(centre, 0, 1).lat_max < max_lat
        || neighbour_area(centre, 0, -1).lat_min > min_lat
        || neighbour_area(centre, 1, 0).long_max < max_lon
        || neighbour_area(centre, -1, 0).long_min > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        (centre, area) = around(steps);
    }
    let mut cells = [
        centre,
        moved(centre, 0, 1),
        moved(centre, 0, -1),
        moved(centre, 1, 0),
        moved(centre, -1, 0),
        moved(centre, 1, 1),
        moved(centre, -1, 1),
        moved(centre, 1, -1),
        moved(centre, -1, -1),
    ];
    if steps >= 2 {
        let zero = Cell::default();
        // Indexes: 1 N, 2 S, 3 E, 4 W, 5 NE, 6 NW, 7 SE, 8 SW.
        if area.lat_min < min_lat {
            for i in [2, 8, 7] {
                cells[i] = zero;
            }
        }
        if area.lat_max > max_lat {
            for i in [1, 5, 6] {
                cells[i] = zero;
            }
        }
        if area.long_min < min_lon {
            for i in [4, 8, 6] {
                cells[i] = zero;
            }
        }
        if area.long_max > max_lon {
            for i in [3, 7, 5] {
                cells[i] = zero;
            }
        }
    }
    cells
}

/// The score range `[min, max)` of a cell's points.
pub fn score_range(cell: Cell) -> (f64, f64) {
    let min = align52(cell);
    let max = align52(Cell {
        bits: cell.bits + 1,
        step: cell.step,
    });
    (min as f64, max as f64)
}

fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Haversine distance in meters (`geohashGetDistance`).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The distance from the search's centre to a point, when the point is inside the shape.
pub fn within(s: &Search, longitude: f64, latitude: f64) -> Option<f64> {
    match s.shape {
        Shape::Circle { radius } => {
            let d = distance(s.longitude, s.latitude, longitude, latitude);
            (d <= radius * s.conversion).then_some(d)
        }
        Shape::Box { width, height } => {
            let (width_m, height_m) = (width * s.conversion, height * s.conversion);
            if lat_distance(latitude, s.latitude) > height_m / 2.0 {
                return None;
            }
            if distance(longitude, latitude, s.longitude, latitude) > width_m / 2.0 {
                return None;
            }
            Some(distance(s.longitude, s.latitude, longitude, latitude))
        }
    }
}

/// The 11-character standard geohash of a point (GEOHASH), over the [-90, 90] latitudes.
pub fn standard_hash(longitude: f64, latitude: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let bits =
        encode_in((-180.0, 180.0), (-90.0, 90.0), longitude, latitude, 26).map_or(0, |c| c.bits);
    let mut out = [0u8; 11];
    for (i, slot) in out.iter_mut().enumerate() {
        let idx = if i == 10 {
            0
        } else {
            ((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize
        };
        *slot = ALPHABET[idx];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        let v = interleave(0x1234_5678, 0x0fed_cba9);
        assert_eq!(deinterleave(v), 0x0fed_cba9_1234_5678);
    }

    #[test]
    fn a_point_decodes_near_itself() {
        let cell = encode(13.361389, 38.115556, STEP_MAX).unwrap();
        let (lon, lat) = decode_score(align52(cell) as f64).unwrap();
        assert!((lon - 13.361389).abs() < 1e-5 && (lat - 38.115556).abs() < 1e-5);
    }
}
