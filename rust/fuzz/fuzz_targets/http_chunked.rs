//! `ChunkedDecoder`: arbitrary bytes never panic; any split (the fuzzer's cut points, and byte
//! by byte for inputs up to 4 KiB) gives the same payload, end, trailers, leftover and error as
//! the whole feed; and a body built from the input (control bit 3) re-encoded in chunks of
//! fuzzer-chosen sizes always decodes back to itself.
#![no_main]

use ferriscope::http_chunked::{ChunkedDecoder, ChunkedError};
use ferriscope_fuzz::{pieces, FuzzInput};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
struct Outcome {
    payload: Vec<u8>,
    done: bool,
    trailers: Vec<Vec<u8>>,
    leftover: Vec<u8>,
    error: Option<std::mem::Discriminant<ChunkedError>>,
}

fn decode(wire: &[u8], cuts: &[usize]) -> Outcome {
    let mut decoder = ChunkedDecoder::new();
    let mut payload = Vec::new();
    let mut leftover = Vec::new();
    let mut error = None;
    for piece in pieces(wire, cuts) {
        match decoder.decode(piece, &mut payload) {
            Ok(used) => {
                assert!(used <= piece.len());
                assert!(used == piece.len() || decoder.is_done(), "stopped early");
                leftover.extend_from_slice(&piece[used..]);
            }
            Err(e) => {
                error = Some(std::mem::discriminant(&e));
                break;
            }
        }
    }
    Outcome {
        payload,
        done: decoder.is_done(),
        trailers: decoder.trailers().to_vec(),
        leftover,
        error,
    }
}

fn encode(body: &[u8], control: u8) -> Vec<u8> {
    let size = usize::from(control >> 4) * 37 + 1;
    let mut wire = Vec::new();
    for chunk in body.chunks(size) {
        wire.extend_from_slice(format!("{:X}", chunk.len()).as_bytes());
        if control & 1 == 1 {
            wire.extend_from_slice(b";ext=1");
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    wire
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let wire = if input.flag(3) {
        encode(input.body, input.control)
    } else {
        input.body.to_vec()
    };
    let whole = decode(&wire, &[]);
    if input.flag(3) {
        assert_eq!(whole.payload, input.body, "round trip");
        assert!(whole.done && whole.error.is_none() && whole.leftover.is_empty());
    }
    let split = decode(&wire, &input.cuts);
    // A split can only move an error earlier in the payload, never change the outcome.
    assert_eq!(split.error, whole.error, "split at {:?}", input.cuts);
    if whole.error.is_none() {
        assert_eq!(split, whole, "split at {:?} differs from whole", input.cuts);
    }
    if wire.len() <= 4096 {
        let every: Vec<usize> = (1..wire.len()).collect();
        let bytewise = decode(&wire, &every);
        assert_eq!(bytewise.error, whole.error, "bytewise error");
        if whole.error.is_none() {
            assert_eq!(bytewise, whole, "bytewise differs from whole");
        }
    }
});
