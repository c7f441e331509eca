//! Any bytes a peer sends: the decoder must return, never panic; and whatever it accepts
//! must survive a round trip through our encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::sync::Message;

fuzz_target!(|frame: &[u8]| {
    if let Ok(message) = Message::decode(frame) {
        assert_eq!(Message::decode(&message.encode()), Ok(message));
    }
});
