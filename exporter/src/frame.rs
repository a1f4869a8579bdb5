//! CRI framing: physical lines in, log records out. containerd writes
//! `<time> <stream> <P|F> <message>` and splits a write longer than 16 KiB
//! into `P` frames ended by an `F` frame; the frames of one record are joined
//! here, up to `max_record` bytes, and a longer record is reduced while it
//! streams past (`reduce`): memory stays bounded and no record is dropped
//! for its length. The record goes to a [`Records`] sink (the counting
//! side), which knows nothing of frames.

use crate::parse;
use crate::reduce::{Reduced, Reducer};

/// What framing hands on.
pub trait Records {
    /// One whole record (the messages of its frames joined).
    fn record(&mut self, msg: &[u8]);
    /// A physical line that is not a CRI frame.
    fn bad_frame(&mut self);
    /// A record whose counted fields alone are longer than `max_record`.
    fn too_long(&mut self);
    /// The longest record joined in memory.
    fn max_record(&self) -> usize;
    /// JSON fields a long record is reduced to.
    fn wanted(&self) -> &[Vec<u8>];
}

/// The frames of one file's record in progress.
#[derive(Debug, Default)]
pub struct Framer {
    pub buf: Vec<u8>,
    /// The record outgrew `buf`: reduced as it streams past.
    long: Option<Box<Reducer>>,
}

impl Framer {
    /// No record in progress: a position after this line is a safe restart.
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty() && self.long.is_none()
    }

    /// One physical line (without its newline).
    #[inline]
    pub fn line(&mut self, line: &[u8], out: &mut impl Records) {
        let Some(c) = parse::cri(line) else {
            out.bad_frame();
            return;
        };
        let max = out.max_record();
        if self.long.is_none() {
            if !c.partial && self.buf.is_empty() {
                return out.record(c.message);
            }
            if self.buf.len() + c.message.len() <= max {
                self.buf.extend_from_slice(c.message);
                if !c.partial {
                    out.record(&self.buf);
                    self.buf.clear();
                }
                return;
            }
            let mut r = Box::new(Reducer::new(max));
            r.feed(&self.buf, out.wanted());
            self.buf.clear();
            self.long = Some(r);
        }
        if let Some(r) = &mut self.long {
            r.feed(c.message, out.wanted());
        }
        if !c.partial
            && let Some(r) = self.long.take()
        {
            match r.finish() {
                Reduced::Record(rec) => out.record(&rec),
                Reduced::TooLong => out.too_long(),
            }
        }
    }
}
