//! The series table: open addressing with linear probing over 64-byte slots
//! (hash, counts, and the key inline when it fits), so that the lookups of one
//! line can be prefetched together. With four counters per line in tables of
//! up to 100k series, waiting for cache misses one after the other was the
//! largest cost of the exporter (bench/README.md); a general-purpose map does
//! not expose where a key will land, so it cannot be prefetched.

use std::hash::Hasher;

use crate::metrics::Series;

/// Key bytes kept in the slot; longer keys (IPv6 with a long namespace) go to
/// the overflow list and the slot keeps their index.
const INLINE: usize = 31;
const HEAP: u8 = u8::MAX;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    /// 0: empty (real hashes have their low bit set).
    hash: u64,
    series: Series,
    len: u8,
    key: [u8; INLINE],
}

const EMPTY: Slot = Slot {
    hash: 0,
    series: Series {
        value: 0,
        seq: 0,
        sec: 0,
        geo: 0,
    },
    len: 0,
    key: [0; INLINE],
};

pub struct Table {
    slots: Vec<Slot>,
    mask: usize,
    len: usize,
    overflow: Vec<Box<[u8]>>,
}

impl Default for Table {
    fn default() -> Self {
        Table::with_capacity(16)
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} series)", self.len)
    }
}

/// FxHash of the key, never 0.
#[inline]
pub fn hash(key: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(key);
    h.finish() | 1
}

impl Table {
    fn with_capacity(slots: usize) -> Self {
        let n = slots.next_power_of_two().max(16);
        Table {
            slots: vec![EMPTY; n],
            mask: n - 1,
            len: 0,
            overflow: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn key_of<'a>(&'a self, s: &'a Slot) -> &'a [u8] {
        if s.len == HEAP {
            let i = u32::from_le_bytes(s.key[..4].try_into().expect("4 bytes")) as usize;
            &self.overflow[i]
        } else {
            &s.key[..s.len as usize]
        }
    }

    /// Ask the CPU to fetch the slot a key with this hash starts probing at.
    #[inline(always)]
    pub fn prefetch(&self, h: u64) {
        crate::prefetch::read(self.slots.as_ptr().wrapping_add(h as usize & self.mask));
    }

    /// Index of the slot holding `key`, or of the empty slot where it would go.
    #[inline]
    fn probe(&self, h: u64, key: &[u8]) -> (usize, bool) {
        let mut i = h as usize & self.mask;
        loop {
            let s = &self.slots[i];
            if s.hash == 0 {
                return (i, false);
            }
            if s.hash == h && self.key_of(s) == key {
                return (i, true);
            }
            i = (i + 1) & self.mask;
        }
    }

    #[inline]
    pub fn get_mut(&mut self, h: u64, key: &[u8]) -> Option<&mut Series> {
        match self.probe(h, key) {
            (i, true) => Some(&mut self.slots[i].series),
            _ => None,
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&Series> {
        match self.probe(hash(key), key) {
            (i, true) => Some(&self.slots[i].series),
            _ => None,
        }
    }

    /// Insert or replace.
    pub fn insert(&mut self, key: &[u8], series: Series) {
        // Keep the load at or under 80 %: linear probing degrades beyond it.
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.rebuild(self.slots.len() * 2, |_| true);
        }
        let h = hash(key);
        let (i, found) = self.probe(h, key);
        if found {
            self.slots[i].series = series;
            return;
        }
        let mut slot = Slot {
            hash: h,
            series,
            len: 0,
            key: [0; INLINE],
        };
        if key.len() <= INLINE {
            slot.len = key.len() as u8;
            slot.key[..key.len()].copy_from_slice(key);
        } else {
            slot.len = HEAP;
            let idx = self.overflow.len() as u32;
            slot.key[..4].copy_from_slice(&idx.to_le_bytes());
            self.overflow.push(key.into());
        }
        self.slots[i] = slot;
        self.len += 1;
    }

    /// Every series, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Series)> {
        self.slots
            .iter()
            .filter(|s| s.hash != 0)
            .map(move |s| (self.key_of(s), &s.series))
    }

    /// Keep the series `keep` accepts; the number removed. Rebuilds the table
    /// (removal from a linear-probing table would need tombstones; eviction
    /// and expiry remove many series at once, so one pass is cheaper).
    pub fn retain(&mut self, keep: impl FnMut(&Series) -> bool) -> usize {
        let before = self.len;
        self.rebuild(self.slots.len(), keep);
        before - self.len
    }

    fn rebuild(&mut self, slots: usize, mut keep: impl FnMut(&Series) -> bool) {
        let old = std::mem::replace(self, Table::with_capacity(slots));
        for s in old.slots.iter().filter(|s| s.hash != 0) {
            if keep(&s.series) {
                self.insert(old.key_of(s), s.series);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: u64) -> Series {
        Series {
            value: v,
            seq: v,
            sec: 0,
            geo: 0,
        }
    }

    #[test]
    fn a_slot_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Slot>(), 64);
    }

    #[test]
    fn insert_find_grow_and_retain() {
        let mut t = Table::default();
        let long = "2001:db8::1234:5678\u{1f}a-rather-long-namespace\u{1f}403";
        for i in 0..10_000u64 {
            t.insert(format!("10.0.{}.{}", i / 256, i % 256).as_bytes(), s(i));
        }
        t.insert(long.as_bytes(), s(7));
        assert_eq!(t.len(), 10_001);
        assert_eq!(t.get(b"10.0.39.15").map(|x| x.value), Some(39 * 256 + 15));
        assert_eq!(t.get(long.as_bytes()).map(|x| x.value), Some(7));
        let h = hash(b"10.0.0.1");
        t.get_mut(h, b"10.0.0.1").unwrap().value += 100;
        assert_eq!(t.get(b"10.0.0.1").unwrap().value, 101);
        assert!(t.get(b"10.0.0.1x").is_none());
        let removed = t.retain(|x| x.seq >= 5_000);
        // 5,000 addresses and the long key (seq 7).
        assert_eq!(removed, 5_001);
        assert_eq!(t.len(), 5_000);
        assert!(t.get(b"10.0.0.1").is_none());
        assert_eq!(t.get(long.as_bytes()).map(|x| x.value), None);
        assert_eq!(t.iter().count(), 5_000);
    }
}
