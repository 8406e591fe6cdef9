//! PLACEHOLDER: being written (see the wire-format issue).

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, StreamError};
use crate::providers::EventDecoder;
use crate::sse::Event;

pub struct Decoder {
    _options: DecodeOptions,
}

impl Decoder {
    #[must_use]
    pub fn new(options: DecodeOptions) -> Self {
        Self { _options: options }
    }
}

impl EventDecoder for Decoder {
    fn event(&mut self, _event: &Event, out: &mut Vec<Chunk>) {
        out.push(Chunk::Error(StreamError::new(
            ErrorKind::Api,
            "decoder not implemented",
        )));
    }

    fn eof(&mut self, _out: &mut Vec<Chunk>) {}
}
