//! The authentication handshake as a stranger controls it: the `Authorization` and
//! `Sec-WebSocket-Protocol` header values of a sync upgrade and the body of an enrolment
//! request. Parsing and checking must return, never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::auth::{EnrolRequest, token_from_authorization, token_from_protocols, valid_token};

fuzz_target!(|data: &[u8]| {
    for token in [token_from_authorization(data), token_from_protocols(data)]
        .into_iter()
        .flatten()
    {
        assert!(valid_token(&token));
    }
    if let Ok(request) = EnrolRequest::from_json(data) {
        let _ = request.verify(request.signed_at);
        let _ = request.verify(0);
    }
});
