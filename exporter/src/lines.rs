//! Cutting a file into lines with positioned reads, in bounded memory: the
//! one reader of the daemon and of `--oneshot`. A line that has not ended yet
//! is not carried in memory: the position stays at its start and the next read
//! takes it again from the file (which the kubelet only ever appends to).

use std::fs::File;
use std::os::unix::fs::FileExt;

use memchr::memchr_iter;

/// Bytes read per call: small enough that the copy stays in cache for the
/// parser. A physical CRI line is at most 16 KiB (containerd splits longer
/// writes into `P` frames), so a line without a newline in a whole chunk is
/// not one containerd wrote: it is skipped to its end and reported.
pub const CHUNK: usize = 64 * 1024;

/// What the reader hands on.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A physical line without its newline.
    Text(&'a [u8]),
    /// A line longer than a chunk, skipped; its length without the newline.
    Overlong(u64),
}

#[derive(Debug, Default, Clone)]
pub struct Lines {
    /// Start of the first line not handed on yet.
    pub pos: u64,
    /// Inside an overlong line: bytes skipped so far.
    skipping: Option<u64>,
}

impl Lines {
    pub fn at(pos: u64) -> Self {
        Lines {
            pos,
            skipping: None,
        }
    }

    /// Read the whole lines after `pos` (at most `budget` chunks), handing
    /// each to `sink` with the offset just past it; bytes consumed. With
    /// `eof` the file is complete (`--oneshot`): a last line without a
    /// newline is handed on too. A read error ends the call: an error if
    /// nothing was read before it.
    pub fn read(
        &mut self,
        file: &File,
        buf: &mut Vec<u8>,
        budget: usize,
        eof: bool,
        sink: &mut impl FnMut(Line<'_>, u64),
    ) -> std::io::Result<u64> {
        let mut consumed = 0;
        for _ in 0..budget {
            buf.resize(CHUNK, 0);
            let n = match file.read_at(buf, self.pos) {
                Ok(n) => n,
                Err(e) if consumed == 0 => return Err(e),
                Err(_) => break,
            };
            let data = &buf[..n];
            let mut start = 0;
            for nl in memchr_iter(b'\n', data) {
                let end = self.pos + nl as u64 + 1;
                match self.skipping.take() {
                    Some(skipped) => sink(Line::Overlong(skipped + nl as u64), end),
                    None => sink(Line::Text(&data[start..nl]), end),
                }
                start = nl + 1;
            }
            if start == 0 && n == CHUNK {
                *self.skipping.get_or_insert(0) += n as u64;
                start = n;
            } else if n < CHUNK && eof && (start < n || self.skipping.is_some()) {
                let end = self.pos + n as u64;
                match self.skipping.take() {
                    Some(skipped) => sink(Line::Overlong(skipped + n as u64), end),
                    None => sink(Line::Text(&data[start..n]), end),
                }
                start = n;
            }
            self.pos += start as u64;
            consumed += start as u64;
            if n < CHUNK {
                break;
            }
        }
        Ok(consumed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Every line of `content` as the reader hands it on, with `eof`.
    fn lines(content: &[u8], eof: bool) -> (Vec<(String, u64)>, u64) {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(content).unwrap();
        let mut r = Lines::default();
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while r
            .read(&f, &mut buf, 2, eof, &mut |l, end| {
                let s = match l {
                    Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    Line::Overlong(n) => format!("<{n}>"),
                };
                out.push((s, end));
            })
            .unwrap()
            > 0
        {}
        (out, r.pos)
    }

    #[test]
    fn whole_lines_only_unless_at_the_end() {
        let (l, pos) = lines(b"a\nbc\nunfinished", false);
        assert_eq!(l, [("a".into(), 2), ("bc".into(), 5)]);
        assert_eq!(pos, 5);
        let (l, pos) = lines(b"a\nunfinished", true);
        assert_eq!(l, [("a".into(), 2), ("unfinished".into(), 12)]);
        assert_eq!(pos, 12);
    }

    #[test]
    fn an_overlong_line_is_skipped_in_bounded_memory() {
        let mut content = vec![b'x'; 3 * CHUNK + 10];
        content.extend_from_slice(b"\nnext\n");
        let (l, _) = lines(&content, false);
        let long = 3 * CHUNK as u64 + 10;
        assert_eq!(
            l,
            [(format!("<{long}>"), long + 1), ("next".into(), long + 6)]
        );
        // Without a newline: reported at the end of a complete file only.
        let content = vec![b'x'; 2 * CHUNK + 1];
        assert_eq!(lines(&content, false).0, []);
        let n = content.len() as u64;
        assert_eq!(lines(&content, true).0, [(format!("<{n}>"), n)]);
    }

    #[test]
    fn lines_across_chunk_boundaries() {
        let mut content = Vec::new();
        let mut want = Vec::new();
        for i in 0..20_000u32 {
            let l = format!("line {i} {}", "y".repeat((i % 97) as usize));
            content.extend_from_slice(l.as_bytes());
            content.push(b'\n');
            want.push((l, content.len() as u64));
        }
        assert_eq!(lines(&content, false).0, want);
    }
}
