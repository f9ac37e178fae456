//! Small buffers of dead objects kept for the next small objects.
//!
//! A table made for a few values (a script's `KEYS`, a `{x, y}` pair) costs one allocation
//! for its box, which `spare.rs` recycles, and one for each part it holds values in. Keeping
//! the small parts of dead tables and handing them to new tables makes a small table's
//! creation, and its sweep, free of allocator calls. Only buffers of at most
//! `1 << (CLASSES - 1)` elements are kept, a bounded number per size (enough for the small
//! tables a script run makes between two collections), so the memory held stays small: at
//! most `LIMIT` elements per class.

/// Size classes: buffers of capacity 1, 2, 4 and 8.
const CLASSES: usize = 4;
/// Elements kept per class: 4,096 buffers of one, 2,048 of two, and so on.
const LIMIT: usize = 4096;

/// Empty buffers of `T`, by capacity.
pub(crate) struct SpareVecs<T> {
    /// `by_class[c]` holds empty buffers of capacity at least `1 << c`.
    by_class: [Vec<Vec<T>>; CLASSES],
}

impl<T> Default for SpareVecs<T> {
    fn default() -> Self {
        SpareVecs {
            by_class: std::array::from_fn(|_| Vec::new()),
        }
    }
}

impl<T: Clone> SpareVecs<T> {
    /// A buffer of `len` copies of `fill`: a kept one when `len` is small and one is kept.
    pub(crate) fn take(&mut self, len: usize, fill: T) -> Vec<T> {
        let kept = match len {
            0 => None,
            // Any class from the smallest that holds `len` up: a new buffer has room for at
            // least four elements (as `Vec` grows), so the smallest classes are often empty.
            _ => class_holding(len)
                .and_then(|first| self.by_class[first..].iter_mut().find_map(Vec::pop)),
        };
        let mut buffer = kept.unwrap_or_default();
        buffer.resize(len, fill);
        buffer
    }

    /// Keep `buffer`'s allocation for a later [`SpareVecs::take`] if it is small and its
    /// class is not full; its elements are dropped either way.
    pub(crate) fn keep(&mut self, mut buffer: Vec<T>) {
        let capacity = buffer.capacity();
        if capacity == 0 || capacity >= 1 << CLASSES {
            return;
        }
        // The largest class whose size the buffer can hold.
        let class = (usize::BITS - 1 - capacity.leading_zeros()) as usize;
        let list = &mut self.by_class[class];
        if list.len() < LIMIT >> class {
            buffer.clear();
            list.push(buffer);
        }
    }
}

/// The smallest class whose buffers hold `len` elements, if `len` is small enough.
fn class_holding(len: usize) -> Option<usize> {
    let class = len.next_power_of_two().trailing_zeros() as usize;
    (class < CLASSES).then_some(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_buffer_serves_a_length_it_can_hold_without_reallocating() {
        let mut spares = SpareVecs::default();
        let buffer: Vec<u32> = Vec::with_capacity(4);
        let address = buffer.as_ptr();
        spares.keep(buffer);
        let too_long = spares.take(5, 0);
        assert_ne!(too_long.as_ptr(), address, "a class-2 buffer cannot hold 5");
        let reused = spares.take(3, 7);
        assert_eq!(reused.as_ptr(), address);
        assert_eq!(reused, vec![7, 7, 7]);
    }

    #[test]
    fn a_short_length_is_served_from_a_larger_class() {
        let mut spares = SpareVecs::default();
        let first = spares.take(1, 0u64);
        assert!(
            first.capacity() >= 4,
            "as a growing Vec, room to grow in place"
        );
        let address = first.as_ptr();
        spares.keep(first);
        let again = spares.take(1, 0);
        assert_eq!(again.as_ptr(), address);
    }

    #[test]
    fn odd_capacities_go_to_the_class_they_can_fully_hold() {
        let mut spares = SpareVecs::default();
        let buffer: Vec<u8> = Vec::with_capacity(3);
        let address = buffer.as_ptr();
        spares.keep(buffer);
        let three = spares.take(3, 0);
        assert_ne!(three.as_ptr(), address, "filed under 2, not 4");
        let two = spares.take(2, 0);
        assert_eq!(two.as_ptr(), address);
    }

    #[test]
    fn large_buffers_are_not_kept_and_each_class_is_bounded() {
        let mut spares = SpareVecs::default();
        spares.keep(Vec::<u8>::with_capacity(1 << CLASSES));
        assert!(spares.by_class.iter().all(Vec::is_empty));
        for _ in 0..LIMIT + 5 {
            spares.keep(Vec::<u8>::with_capacity(1));
            spares.keep(Vec::<u8>::with_capacity(8));
        }
        assert_eq!(spares.by_class[0].len(), LIMIT);
        assert_eq!(spares.by_class[3].len(), LIMIT / 8);
    }

    #[test]
    fn elements_are_dropped_when_kept() {
        let counter = std::rc::Rc::new(());
        let mut spares = SpareVecs::default();
        spares.keep(vec![std::rc::Rc::clone(&counter); 2]);
        assert_eq!(std::rc::Rc::strong_count(&counter), 1);
        assert!(spares.take(0, std::rc::Rc::clone(&counter)).is_empty());
    }
}
