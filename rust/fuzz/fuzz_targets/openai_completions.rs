//! `WireFormat::OpenAiCompletions`: raw bytes, or (control bit 4) fuzzer lines wrapped as `data:` events,
//! never panic, keep the chunk contract, and decode the same in any split and with raw events;
//! the skim reads every payload as serde does. See `ferriscope_fuzz::check_provider`,
//! `ferriscope_fuzz::check_completions_skim` and README.md.
#![no_main]

use ferriscope::providers::WireFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferriscope_fuzz::check_provider(WireFormat::OpenAiCompletions, data);
    ferriscope_fuzz::check_completions_skim(data);
});
