//! Lua 5.1 patterns: the matcher behind `find`, `match`, `gmatch` and `gsub`.
//!
//! The semantics are those of Lua 5.1's backtracking matcher: items are tried left to right,
//! `*` and `+` give back one repetition at a time, `-` takes one more at a time, `?` tries the
//! item first, and the first complete match wins. Errors in the pattern are reported when the
//! matcher reaches them, so a malformed tail after a failing prefix is never noticed, as in 5.1.
//!
//! The pattern is read as a C string: it ends at its first `\0` (use `%z` to match a zero byte).
//! Reading past the end of the subject or the pattern yields `\0`, as reading the terminator
//! does in C.
//!
//! The matcher does not recurse. Every place where Lua 5.1 would recurse and could come back
//! to try something else becomes a *choice point* on a heap stack, and every change to the
//! captures is logged on a *trail*, so that backtracking to a choice point undoes exactly the
//! changes made since it was pushed. The choice stack never holds more entries than the pattern
//! has bytes (each choice point belongs to a distinct pattern position on the current path), and
//! it is capped at `MAX_CHOICES` besides, above the depth at which Lua 5.1 itself overflows its
//! C stack, so no pattern can exhaust the Rust stack or memory.

/// Most captures one pattern may hold (Lua 5.1's `LUA_MAXCAPTURES`).
pub(crate) const MAX_CAPTURES: usize = 32;

/// Most pending alternatives of one match. Lua 5.1.5 has no such limit but crashes on its C
/// stack at roughly 110,000 nested items on a default 8 MB stack; every pattern it survives
/// stays below this.
const MAX_CHOICES: usize = 200_000;

/// How many matcher steps (a pass forward, a position a backtrack tries, a new start
/// position) the matcher takes between two calls of its tick, which charges them to the
/// state's instruction count.
pub(crate) const STEPS_PER_TICK: u32 = 1024;

/// What a matcher calls every [`STEPS_PER_TICK`] steps with that count: `false` stops the
/// match with [`PatternError::Interrupted`].
pub(crate) type Tick<'t> = dyn FnMut(u32) -> bool + 't;

/// The escape character of patterns.
const ESC: u8 = b'%';

/// Bytes whose presence makes `find` run the matcher instead of a plain search.
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// A fault in the pattern (or in a capture reference), with Lua 5.1's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatternError {
    EndsWithEscape,
    MissingBracket,
    InvalidCaptureIndex,
    InvalidPatternCapture,
    UnfinishedCapture,
    MissingFrontierBracket,
    TooManyCaptures,
    Unbalanced,
    TooComplex,
    /// The tick said to stop (the instruction budget's hook raised an error).
    Interrupted,
}

impl PatternError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            PatternError::EndsWithEscape => "malformed pattern (ends with '%')",
            PatternError::MissingBracket => "malformed pattern (missing ']')",
            PatternError::InvalidCaptureIndex => "invalid capture index",
            PatternError::InvalidPatternCapture => "invalid pattern capture",
            PatternError::UnfinishedCapture => "unfinished capture",
            PatternError::MissingFrontierBracket => "missing '[' after '%f' in pattern",
            PatternError::TooManyCaptures => "too many captures",
            PatternError::Unbalanced => "unbalanced pattern",
            PatternError::TooComplex => "pattern too complex",
            PatternError::Interrupted => "interrupted",
        }
    }
}

/// Whether `find` must treat `pattern` as a pattern (it holds a special character before any
/// zero byte); otherwise it searches for the bytes themselves.
pub(crate) fn has_specials(pattern: &[u8]) -> bool {
    crate::cstr::c_str(pattern)
        .iter()
        .any(|b| SPECIALS.contains(b))
}

/// The first occurrence of `needle` in `haystack` (an empty needle is found at 0).
pub(crate) fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut from = 0;
    while from <= last_start {
        let window = haystack.get(from..=last_start)?;
        let at = from + window.iter().position(|&b| b == first)?;
        if haystack.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Class bits of every byte in the C locale, one bit per class letter of `CLASS_LETTERS`.
static BYTE_CLASSES: [u16; 256] = byte_classes();

/// The class letters, in bit order.
const CLASS_LETTERS: &[u8; 10] = b"acdlpsuwxz";

const fn byte_classes() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let members = [
            c.is_ascii_alphabetic(),
            c.is_ascii_control(),
            c.is_ascii_digit(),
            c.is_ascii_lowercase(),
            c.is_ascii_punctuation(),
            // C's isspace also counts the vertical tab, which Rust's whitespace test leaves out.
            matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
            c.is_ascii_uppercase(),
            c.is_ascii_alphanumeric(),
            c.is_ascii_hexdigit(),
            c == 0,
        ];
        let mut bit = 0;
        while bit < members.len() {
            if members[bit] {
                table[i] |= 1 << bit;
            }
            bit += 1;
        }
        i += 1;
    }
    table
}

/// The bit of `BYTE_CLASSES` for class letter `letter` (either case), if it is one.
fn class_bit(letter: u8) -> Option<u16> {
    let lower = letter.to_ascii_lowercase();
    CLASS_LETTERS
        .iter()
        .position(|&l| l == lower)
        .map(|i| 1 << i)
}

/// Does byte `c` belong to the class `%<class>` (`%a`, `%d`, ...; an uppercase letter negates
/// the class; any other byte stands for itself)?
fn match_class(c: u8, class: u8) -> bool {
    match class_bit(class) {
        Some(bit) => {
            let member = BYTE_CLASSES[usize::from(c)] & bit != 0;
            member == class.is_ascii_lowercase()
        }
        None => class == c,
    }
}

/// How far a capture got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaptureLen {
    /// Opened by `(` and not yet closed.
    Unfinished,
    /// A position capture `()`.
    Position,
    /// Closed, this many bytes long.
    Closed(usize),
}

#[derive(Clone, Copy, Debug)]
struct Capture {
    start: usize,
    len: CaptureLen,
}

/// One capture of a successful match, as the caller should turn it into a Lua value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaptureValue {
    /// The subject bytes `start..end`.
    Text(usize, usize),
    /// A position capture: the 1-based subject position.
    Position(usize),
}

/// What the byte at a position must be for the rest of the pattern to have a chance there.
///
/// When the rest of the pattern starts with a single item that must match once (a byte, a
/// class or a set, not followed by `*`, `?` or `-`; not a capture, anchor, `%b`, `%f` or
/// back-reference), it fails at once, with no effect on captures and no error, wherever the
/// subject has a byte the item does not match. Such positions are skipped without trying them.
#[derive(Clone, Copy, Debug)]
enum Guard {
    /// Any position may match.
    Open,
    /// The byte must be this one.
    Byte(u8),
    /// The byte must match the item `p..ep` (a class or a set).
    Item(usize, usize),
}

/// A way the match could still go when the current path fails.
#[derive(Clone, Copy, Debug)]
enum Alternative {
    /// `?` matched its item: the other way is to skip it, continuing at `s`, pattern `p`.
    Skip { s: usize, p: usize },
    /// `*` or `+` matched `remaining - 1` repetitions from `base`: retry the rest of the
    /// pattern (`next`) at `base + remaining - 1`, then with one repetition fewer, down to
    /// none. `guard` tells positions where the rest of the pattern cannot start.
    Greedy {
        base: usize,
        remaining: usize,
        next: usize,
        guard: Guard,
    },
    /// `-`: the rest of the pattern (after the item `item..item_end`) is tried at `s` (first
    /// time) or, after one more repetition of the item, further on.
    Lazy {
        s: usize,
        item: usize,
        item_end: usize,
        fresh: bool,
        guard: Guard,
    },
}

#[derive(Clone, Copy, Debug)]
struct ChoicePoint {
    alternative: Alternative,
    /// Trail length when the choice point was pushed: captures are restored to that state.
    trail_len: usize,
}

/// A change to the captures, undone when backtracking past it.
#[derive(Clone, Copy, Debug)]
enum Undo {
    /// A capture was opened (the level went up by one).
    Open,
    /// Capture `n` was closed.
    Close(usize),
}

/// The growable storage of a matcher, handed from one matcher to the next so that repeated
/// calls do not allocate.
#[derive(Default)]
pub(crate) struct MatchBuffers {
    captures: Vec<Capture>,
    choices: Vec<ChoicePoint>,
    trail: Vec<Undo>,
}

/// Buffers that grew past this many choice points are dropped rather than kept for reuse.
const KEPT_CHOICES: usize = 1024;

/// Matching state for one subject and one pattern, reused across match attempts (`gsub`,
/// `gmatch` and `find` try successive start positions).
pub(crate) struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    /// The captures opened so far on the current path (their count is Lua 5.1's `level`).
    captures: Vec<Capture>,
    choices: Vec<ChoicePoint>,
    trail: Vec<Undo>,
    /// Steps taken since the tick was last called.
    steps: u32,
}

impl<'a> Matcher<'a> {
    /// A matcher of `pattern` (read up to its first zero byte) against `subject`.
    #[cfg(test)]
    pub(crate) fn new(subject: &'a [u8], pattern: &'a [u8]) -> Matcher<'a> {
        Matcher::with_buffers(subject, pattern, MatchBuffers::default())
    }

    /// A matcher that uses (and will give back) `buffers`.
    pub(crate) fn with_buffers(
        subject: &'a [u8],
        pattern: &'a [u8],
        buffers: MatchBuffers,
    ) -> Matcher<'a> {
        Matcher {
            src: subject,
            pat: crate::cstr::c_str(pattern),
            captures: buffers.captures,
            choices: buffers.choices,
            trail: buffers.trail,
            steps: 0,
        }
    }

    /// Count one step (besides those the backtracking loops count); once at least
    /// [`STEPS_PER_TICK`] are counted, ask `tick` whether to go on.
    #[inline(always)]
    fn step(&mut self, tick: &mut Tick<'_>) -> Result<(), PatternError> {
        self.steps = self.steps.saturating_add(1);
        if self.steps < STEPS_PER_TICK {
            return Ok(());
        }
        let steps = std::mem::take(&mut self.steps);
        if tick(steps) {
            Ok(())
        } else {
            Err(PatternError::Interrupted)
        }
    }

    /// The buffers, emptied, for the next matcher (unless they grew unusually large).
    pub(crate) fn into_buffers(mut self) -> MatchBuffers {
        if self.choices.capacity() > KEPT_CHOICES {
            return MatchBuffers::default();
        }
        self.captures.clear();
        self.choices.clear();
        self.trail.clear();
        MatchBuffers {
            captures: self.captures,
            choices: self.choices,
            trail: self.trail,
        }
    }

    /// Whether the pattern starts with `^`; matching then starts after it.
    pub(crate) fn anchored(&self) -> bool {
        self.pat.first() == Some(&b'^')
    }

    /// Try to match the pattern from pattern offset `p` at subject offset `s` (exactly there,
    /// no scanning forward); the end of the match on success. `tick` is called as steps are
    /// taken (see [`Tick`]).
    pub(crate) fn match_at(
        &mut self,
        s: usize,
        p: usize,
        tick: &mut Tick<'_>,
    ) -> Result<Option<usize>, PatternError> {
        self.captures.clear();
        self.choices.clear();
        self.trail.clear();
        let (mut s, mut p) = (s, p);
        loop {
            self.step(tick)?;
            if let Some(end) = self.forward(&mut s, &mut p)? {
                return Ok(Some(end));
            }
            match self.backtrack() {
                Some((ns, np)) => {
                    s = ns;
                    p = np;
                }
                None => return Ok(None),
            }
        }
    }

    /// The first match starting at or after subject offset `from`, as (start, end). With
    /// `honor_anchor`, a leading `^` ties the match to `from` itself; without, `^` is an
    /// ordinary byte (as in `gmatch`).
    pub(crate) fn search(
        &mut self,
        from: usize,
        honor_anchor: bool,
        tick: &mut Tick<'_>,
    ) -> Result<Option<(usize, usize)>, PatternError> {
        let anchored = honor_anchor && self.anchored();
        let p0 = usize::from(anchored);
        let mut at = from;
        loop {
            if !anchored {
                match self.skip_to_candidate(at, p0) {
                    Some(next) => at = next,
                    None => return Ok(None),
                }
            }
            if let Some(end) = self.match_at(at, p0, tick)? {
                return Ok(Some((at, end)));
            }
            at += 1;
            if anchored || at > self.src.len() {
                return Ok(None);
            }
        }
    }

    /// How many values a successful match yields: its captures, or the whole match when it has
    /// none and `whole` is asked for (`find` asks for none).
    pub(crate) fn capture_count(&self, whole: bool) -> usize {
        if self.captures.is_empty() && whole {
            1
        } else {
            self.captures.len()
        }
    }

    /// Capture `i` of the match `s..e` just found; capture 0 of a pattern without captures is
    /// the whole match.
    pub(crate) fn capture(
        &self,
        i: usize,
        s: usize,
        e: usize,
    ) -> Result<CaptureValue, PatternError> {
        if i >= self.captures.len() {
            return if i == 0 {
                Ok(CaptureValue::Text(s, e))
            } else {
                Err(PatternError::InvalidCaptureIndex)
            };
        }
        let cap = self
            .captures
            .get(i)
            .ok_or(PatternError::InvalidCaptureIndex)?;
        match cap.len {
            CaptureLen::Unfinished => Err(PatternError::UnfinishedCapture),
            CaptureLen::Position => Ok(CaptureValue::Position(cap.start + 1)),
            CaptureLen::Closed(len) => Ok(CaptureValue::Text(cap.start, cap.start + len)),
        }
    }

    /// The first start position from `s` on (at most the subject length) where a match of the
    /// pattern from `p` could begin, judging by its first byte: starts skipped would fail at
    /// once, without effects. `None` when no start is left.
    pub(crate) fn skip_to_candidate(&self, s: usize, p: usize) -> Option<usize> {
        let rest = self.src.get(s..)?;
        let found = match self.guard(p) {
            Guard::Open => return Some(s),
            Guard::Byte(b) => rest.iter().position(|&c| c == b),
            Guard::Item(p, ep) => rest.iter().position(|&c| self.single_match(c, p, ep)),
        };
        found.map(|i| s + i)
    }

    #[inline(always)]
    fn pat_at(&self, p: usize) -> u8 {
        self.pat.get(p).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn src_at(&self, s: usize) -> u8 {
        self.src.get(s).copied().unwrap_or(0)
    }

    /// Follow the pattern from `(s, p)` without backtracking: `Some(end)` when it reaches the end
    /// of the pattern, `None` at the first failure (choice points pushed on the way remain).
    fn forward(&mut self, s: &mut usize, p: &mut usize) -> Result<Option<usize>, PatternError> {
        loop {
            // Each item passed is a step: one pass over a long pattern is long work, charged
            // when the caller next ticks.
            self.steps = self.steps.saturating_add(1);
            let Some(&c) = self.pat.get(*p) else {
                return Ok(Some(*s));
            };
            match c {
                b'(' => {
                    if self.pat_at(*p + 1) == b')' {
                        self.open_capture(*s, CaptureLen::Position)?;
                        *p += 2;
                    } else {
                        self.open_capture(*s, CaptureLen::Unfinished)?;
                        *p += 1;
                    }
                }
                b')' => {
                    self.close_capture(*s)?;
                    *p += 1;
                }
                b'$' if *p + 1 == self.pat.len() => {
                    return Ok((*s == self.src.len()).then_some(*s));
                }
                ESC if self.pat_at(*p + 1) == b'b' => match self.match_balance(*s, *p + 2)? {
                    Some(end) => {
                        *s = end;
                        *p += 4;
                    }
                    None => return Ok(None),
                },
                ESC if self.pat_at(*p + 1) == b'f' => {
                    *p += 2;
                    if self.pat_at(*p) != b'[' {
                        return Err(PatternError::MissingFrontierBracket);
                    }
                    let ep = self.class_end(*p)?;
                    let previous = if *s == 0 { 0 } else { self.src_at(*s - 1) };
                    let current = self.src_at(*s);
                    if self.match_bracket_class(previous, *p, ep - 1)
                        || !self.match_bracket_class(current, *p, ep - 1)
                    {
                        return Ok(None);
                    }
                    *p = ep;
                }
                ESC if self.pat_at(*p + 1).is_ascii_digit() => {
                    match self.match_back_reference(*s, self.pat_at(*p + 1))? {
                        Some(end) => {
                            *s = end;
                            *p += 2;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    let ep = self.class_end(*p)?;
                    let matched = *s < self.src.len() && self.single_match(self.src_at(*s), *p, ep);
                    match self.pat_at(ep) {
                        b'?' => {
                            if matched {
                                self.push_choice(Alternative::Skip { s: *s, p: ep + 1 })?;
                                *s += 1;
                            }
                            *p = ep + 1;
                        }
                        b'*' => {
                            self.push_greedy(*s, *p, ep)?;
                            return Ok(None);
                        }
                        b'+' => {
                            if matched {
                                self.push_greedy(*s + 1, *p, ep)?;
                            }
                            return Ok(None);
                        }
                        b'-' => {
                            let guard = self.guard(ep + 1);
                            self.push_choice(Alternative::Lazy {
                                s: *s,
                                item: *p,
                                item_end: ep,
                                fresh: true,
                                guard,
                            })?;
                            return Ok(None);
                        }
                        _ => {
                            if !matched {
                                return Ok(None);
                            }
                            *s += 1;
                            *p = ep;
                        }
                    }
                }
            }
        }
    }

    /// Resume at the most recent choice point that still has an alternative, undoing the
    /// capture changes made since it was pushed; `None` when none is left (the match fails).
    fn backtrack(&mut self) -> Option<(usize, usize)> {
        loop {
            let top = *self.choices.last()?;
            self.undo_to(top.trail_len);
            match top.alternative {
                Alternative::Skip { s, p } => {
                    self.choices.pop();
                    return Some((s, p));
                }
                Alternative::Greedy {
                    base,
                    remaining,
                    next,
                    guard,
                } => {
                    let mut remaining = remaining;
                    let mut resume = None;
                    while remaining > 0 {
                        remaining -= 1;
                        self.steps = self.steps.saturating_add(1);
                        let at = base + remaining;
                        if self.admits(guard, at) {
                            resume = Some(at);
                            break;
                        }
                    }
                    match (resume, self.choices.last_mut()) {
                        (Some(at), Some(choice)) if remaining > 0 => {
                            if let Alternative::Greedy { remaining: r, .. } =
                                &mut choice.alternative
                            {
                                *r = remaining;
                            }
                            return Some((at, next));
                        }
                        (Some(at), _) => {
                            self.choices.pop();
                            return Some((at, next));
                        }
                        (None, _) => {
                            self.choices.pop();
                        }
                    }
                }
                Alternative::Lazy {
                    s,
                    item,
                    item_end,
                    fresh,
                    guard,
                } => {
                    let mut at = s;
                    let mut first = fresh;
                    let resume = loop {
                        self.steps = self.steps.saturating_add(1);
                        if !first {
                            if at < self.src.len()
                                && self.single_match(self.src_at(at), item, item_end)
                            {
                                at += 1;
                            } else {
                                break None;
                            }
                        }
                        first = false;
                        if self.admits(guard, at) {
                            break Some(at);
                        }
                    };
                    match (resume, self.choices.last_mut()) {
                        (Some(at), Some(choice)) => {
                            choice.alternative = Alternative::Lazy {
                                s: at,
                                item,
                                item_end,
                                fresh: false,
                                guard,
                            };
                            return Some((at, item_end + 1));
                        }
                        _ => {
                            self.choices.pop();
                        }
                    }
                }
            }
        }
    }

    fn push_choice(&mut self, alternative: Alternative) -> Result<(), PatternError> {
        if self.choices.len() >= MAX_CHOICES {
            return Err(PatternError::TooComplex);
        }
        self.choices.push(ChoicePoint {
            alternative,
            trail_len: self.trail.len(),
        });
        Ok(())
    }

    /// `*` from `s` (or `+` after its first repetition): count the repetitions of the item
    /// `p..ep` and leave a choice point that tries the rest of the pattern after the longest
    /// run first.
    fn push_greedy(&mut self, s: usize, p: usize, ep: usize) -> Result<(), PatternError> {
        let count = self.count_repetitions(s, p, ep);
        // A scan of a run is cheaper than a step per byte, but not free.
        let scanned = u32::try_from(count / 16).unwrap_or(u32::MAX);
        self.steps = self.steps.saturating_add(scanned);
        let guard = self.guard(ep + 1);
        self.push_choice(Alternative::Greedy {
            base: s,
            remaining: count + 1,
            next: ep + 1,
            guard,
        })
    }

    /// How many bytes from `s` on match the single item `p..ep`.
    fn count_repetitions(&self, s: usize, p: usize, ep: usize) -> usize {
        let rest = self.src.get(s..).unwrap_or_default();
        match self.pat_at(p) {
            b'.' => rest.len(),
            ESC => {
                let class = self.pat_at(p + 1);
                match class_bit(class) {
                    Some(bit) => {
                        let wanted = class.is_ascii_lowercase();
                        rest.iter()
                            .take_while(|&&c| (BYTE_CLASSES[usize::from(c)] & bit != 0) == wanted)
                            .count()
                    }
                    None => rest.iter().take_while(|&&c| c == class).count(),
                }
            }
            b'[' => rest
                .iter()
                .take_while(|&&c| self.match_bracket_class(c, p, ep - 1))
                .count(),
            literal => rest.iter().take_while(|&&c| c == literal).count(),
        }
    }

    /// The guard of the pattern from `p` on (see `Guard`).
    fn guard(&self, p: usize) -> Guard {
        let Some(&c) = self.pat.get(p) else {
            return Guard::Open;
        };
        match c {
            b'(' | b')' | b'.' => return Guard::Open,
            b'$' if p + 1 == self.pat.len() => return Guard::Open,
            ESC if matches!(self.pat_at(p + 1), b'b' | b'f' | b'0'..=b'9') => return Guard::Open,
            _ => {}
        }
        // A malformed item gets no guard: trying it raises the error as it should.
        let Ok(ep) = self.class_end(p) else {
            return Guard::Open;
        };
        if matches!(self.pat_at(ep), b'*' | b'?' | b'-') {
            return Guard::Open;
        }
        if matches!(c, ESC | b'[') {
            Guard::Item(p, ep)
        } else {
            Guard::Byte(c)
        }
    }

    /// Whether the guard lets the rest of the pattern be tried at `at`.
    #[inline]
    fn admits(&self, guard: Guard, at: usize) -> bool {
        match guard {
            Guard::Open => true,
            Guard::Byte(b) => self.src_at(at) == b,
            Guard::Item(p, ep) => at < self.src.len() && self.single_match(self.src_at(at), p, ep),
        }
    }

    fn undo_to(&mut self, len: usize) {
        while self.trail.len() > len {
            match self.trail.pop() {
                Some(Undo::Open) => {
                    self.captures.pop();
                }
                Some(Undo::Close(n)) => {
                    if let Some(cap) = self.captures.get_mut(n) {
                        cap.len = CaptureLen::Unfinished;
                    }
                }
                None => break,
            }
        }
    }

    fn open_capture(&mut self, s: usize, len: CaptureLen) -> Result<(), PatternError> {
        if self.captures.len() >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.captures.push(Capture { start: s, len });
        self.trail.push(Undo::Open);
        Ok(())
    }

    /// `)`: close the innermost unfinished capture.
    fn close_capture(&mut self, s: usize) -> Result<(), PatternError> {
        let open = self
            .captures
            .iter()
            .rposition(|c| c.len == CaptureLen::Unfinished)
            .ok_or(PatternError::InvalidPatternCapture)?;
        if let Some(cap) = self.captures.get_mut(open) {
            cap.len = CaptureLen::Closed(s.saturating_sub(cap.start));
        }
        self.trail.push(Undo::Close(open));
        Ok(())
    }

    /// `%1`-`%9` (and `%0`, always invalid): the text of an earlier closed capture again.
    fn match_back_reference(&self, s: usize, digit: u8) -> Result<Option<usize>, PatternError> {
        let index = usize::from(digit)
            .checked_sub(usize::from(b'1'))
            .filter(|&i| i < self.captures.len())
            .ok_or(PatternError::InvalidCaptureIndex)?;
        let cap = self
            .captures
            .get(index)
            .ok_or(PatternError::InvalidCaptureIndex)?;
        match cap.len {
            CaptureLen::Unfinished => Err(PatternError::InvalidCaptureIndex),
            // Lua 5.1 compares against the position marker as if it were a huge length, which
            // never fits in the rest of the subject.
            CaptureLen::Position => Ok(None),
            CaptureLen::Closed(len) => {
                let text = self.src.get(cap.start..cap.start + len);
                let here = self.src.get(s..s + len);
                Ok((text.is_some() && text == here).then_some(s + len))
            }
        }
    }

    /// `%bxy` (with `p` at `x`): a balanced run from `x` to its matching `y`.
    fn match_balance(&self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::Unbalanced);
        }
        let (open, close) = (self.pat_at(p), self.pat_at(p + 1));
        if self.src_at(s) != open || s >= self.src.len() {
            return Ok(None);
        }
        let mut depth = 1usize;
        let rest = self.src.get(s + 1..).unwrap_or_default();
        for (i, &c) in rest.iter().enumerate() {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(s + 1 + i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    /// The end of the single item starting at `p` (a byte, `.`, `%x` or a `[set]`).
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let c = self.pat_at(p);
        let mut p = p + 1;
        match c {
            ESC => {
                if p >= self.pat.len() {
                    return Err(PatternError::EndsWithEscape);
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.pat_at(p) == b'^' {
                    p += 1;
                }
                // The first byte of the set is taken literally, even a `]`.
                loop {
                    if p >= self.pat.len() {
                        return Err(PatternError::MissingBracket);
                    }
                    let c = self.pat_at(p);
                    p += 1;
                    if c == ESC && p < self.pat.len() {
                        p += 1;
                    }
                    if self.pat_at(p) == b']' {
                        break;
                    }
                }
                Ok(p + 1)
            }
            _ => Ok(p),
        }
    }

    /// Does byte `c` match the single item `p..ep`?
    #[inline]
    fn single_match(&self, c: u8, p: usize, ep: usize) -> bool {
        match self.pat_at(p) {
            b'.' => true,
            ESC => match_class(c, self.pat_at(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            literal => literal == c,
        }
    }

    /// Does byte `c` match the set that opens at `p` (`[`) and closes at `end` (`]`)?
    fn match_bracket_class(&self, c: u8, p: usize, end: usize) -> bool {
        let mut p = p;
        let mut found = true;
        if self.pat_at(p + 1) == b'^' {
            found = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= end {
                return !found;
            }
            let here = self.pat_at(p);
            if here == ESC {
                p += 1;
                if match_class(c, self.pat_at(p)) {
                    return found;
                }
            } else if self.pat_at(p + 1) == b'-' && p + 2 < end {
                p += 2;
                if here <= c && c <= self.pat_at(p) {
                    return found;
                }
            } else if here == c {
                return found;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first match of `pattern` in `subject` as (start, end, captures), scanning forward
    /// like `string.find` from the start.
    fn find(
        subject: &str,
        pattern: &str,
    ) -> Result<Option<(usize, usize, Vec<String>)>, PatternError> {
        let mut m = Matcher::new(subject.as_bytes(), pattern.as_bytes());
        let anchored = m.anchored();
        let p = usize::from(anchored);
        let mut s = 0;
        loop {
            if let Some(e) = m.match_at(s, p, &mut |_| true)? {
                let mut caps = Vec::new();
                for i in 0..m.capture_count(false) {
                    caps.push(match m.capture(i, s, e)? {
                        CaptureValue::Text(a, b) => subject[a..b].to_string(),
                        CaptureValue::Position(n) => format!("@{n}"),
                    });
                }
                return Ok(Some((s + 1, e, caps)));
            }
            s += 1;
            if anchored || s > subject.len() {
                return Ok(None);
            }
        }
    }

    fn caps(subject: &str, pattern: &str) -> Vec<String> {
        find(subject, pattern).unwrap().unwrap().2
    }

    // Expected values from `lua5.1 -e 'print(string.find(S, P))'`.
    #[test]
    fn finds_like_lua51() {
        assert_eq!(find("hello world", "o w").unwrap().unwrap().0, 5);
        assert_eq!(find("hello", "l+").unwrap().unwrap().0..=4, 3..=4);
        assert_eq!(find("hello", "xl*").unwrap(), None);
        assert_eq!(find("  x", "^%s*()").unwrap().unwrap().2, vec!["@3"]);
        assert_eq!(
            caps("key = value", "(%w+)%s*=%s*(%w+)"),
            vec!["key", "value"]
        );
        assert_eq!(caps("[[x]]", "%[(=*)%["), vec![""]);
        assert_eq!(caps("f(a(b)c)d", "%b()"), Vec::<String>::new());
        assert_eq!(find("f(a(b)c)d", "%b()").unwrap().unwrap().1, 8);
        assert_eq!(caps("THE (quick) fox", "%f[%a]%a+"), Vec::<String>::new());
        assert_eq!(find("THE (quick) fox", "%f[%l]%a+").unwrap().unwrap().0, 6);
        assert_eq!(caps("abcabc", "(abc)%1"), vec!["abc"]);
        assert_eq!(caps("  trim me  ", "^%s*(.-)%s*$"), vec!["trim me"]);
        assert_eq!(caps("a.b.c", "(.*)%.(.*)"), vec!["a.b", "c"]);
        assert_eq!(caps("a]b", "([]])"), vec!["]"]);
        assert_eq!(caps("x-y", "([a-])"), vec!["-"]);
        assert_eq!(caps("aaab", "(a-)b"), vec!["aaa"]);
        assert_eq!(caps("ab", "(a?)(a?)b"), vec!["a", ""]);
    }

    #[test]
    fn reports_pattern_errors() {
        assert_eq!(find("a", "%"), Err(PatternError::EndsWithEscape));
        assert_eq!(find("a", "[a"), Err(PatternError::MissingBracket));
        assert_eq!(find("a", "[a%"), Err(PatternError::MissingBracket));
        assert_eq!(find("a", "(a"), Err(PatternError::UnfinishedCapture));
        assert_eq!(find("a", "a)"), Err(PatternError::InvalidPatternCapture));
        assert_eq!(find("a", "%1"), Err(PatternError::InvalidCaptureIndex));
        assert_eq!(find("a", "(a%1)"), Err(PatternError::InvalidCaptureIndex));
        assert_eq!(find("a", "%fa"), Err(PatternError::MissingFrontierBracket));
        assert_eq!(find("a", "%b"), Err(PatternError::Unbalanced));
        assert_eq!(
            find("a", &"()".repeat(33)),
            Err(PatternError::TooManyCaptures)
        );
        // A malformed tail is never reached when the head fails everywhere.
        assert_eq!(find("a", "x["), Ok(None));
    }

    #[test]
    fn deep_patterns_do_not_recurse() {
        let n = 100_000;
        let subject = "a".repeat(n);
        let pattern = "a?".repeat(n);
        assert_eq!(find(&subject, &pattern).unwrap().unwrap().1, n);
        let subject = "a".repeat(MAX_CHOICES + 1);
        let pattern = "a?".repeat(MAX_CHOICES + 1);
        assert_eq!(find(&subject, &pattern), Err(PatternError::TooComplex));
    }

    #[test]
    fn plain_search() {
        assert_eq!(find_bytes(b"hello", b"ll"), Some(2));
        assert_eq!(find_bytes(b"hello", b""), Some(0));
        assert_eq!(find_bytes(b"hello", b"lo!"), None);
        assert_eq!(find_bytes(b"aab", b"ab"), Some(1));
        assert!(!has_specials(b"abc\0*"));
        assert!(has_specials(b"a.c"));
    }
}
