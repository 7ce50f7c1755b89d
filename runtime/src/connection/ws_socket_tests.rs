//! The plain socket against tungstenite's own client, and the buffers it holds between bursts.

use std::future::poll_fn;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;

use super::*;

const LIMITS: SocketLimits =
    SocketLimits { read_size: 4096, write_size: 16 * 1024, max_write: 64 * 1024, max_message: 1024 };

async fn pair() -> (WsSocket<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (server, client) = tokio::io::duplex(256 * 1024);
    (WsSocket::new(server, LIMITS), WebSocketStream::from_raw_socket(client, Role::Client, None).await)
}

async fn next(socket: &mut WsSocket<DuplexStream>) -> Option<Result<Message, Error>> {
    poll_fn(|cx| socket.poll_message(cx)).await
}

async fn send(socket: &mut WsSocket<DuplexStream>, message: Message) {
    poll_fn(|cx| socket.poll_ready(cx)).await.unwrap();
    socket.start_send(message).unwrap();
    poll_fn(|cx| socket.poll_flush(cx)).await.unwrap();
}

/// Whether reading would wait now; polls once with a waker that is never woken.
fn would_wait(socket: &mut WsSocket<DuplexStream>) -> bool {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    socket.poll_message(&mut cx).is_pending()
}

fn text(message: Option<Result<Message, Error>>) -> String {
    match message {
        Some(Ok(Message::Text(text))) => text.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_pipelined_burst_is_read_whole_and_its_buffer_dropped_once_the_socket_is_empty() {
    let (mut server, mut client) = pair().await;
    for i in 0..20 {
        client.feed(Message::text(format!("message {i}"))).await.unwrap();
    }
    client.flush().await.unwrap();
    for i in 0..20 {
        assert_eq!(text(next(&mut server).await), format!("message {i}"));
    }
    assert!(would_wait(&mut server));
    assert_eq!(server.read.capacity(), 0, "an idle connection holds no read buffer");

    send(&mut server, Message::text("reply")).await;
    assert_eq!(server.write.capacity(), 0, "a flushed connection holds no write buffer");
    assert_eq!(client.next().await.unwrap().unwrap(), Message::text("reply"));
}

#[tokio::test]
async fn a_fragmented_text_message_may_split_a_character_between_frames() {
    let (mut server, mut client) = pair().await;
    let bytes = "a€b".as_bytes();
    client.feed(Message::Frame(Frame::message(bytes[..2].to_vec(), OpCode::Data(Data::Text), false))).await.unwrap();
    client.feed(Message::Frame(Frame::ping(b"between".to_vec()))).await.unwrap();
    client.feed(Message::Frame(Frame::message(bytes[2..].to_vec(), OpCode::Data(Data::Continue), true))).await.unwrap();
    client.flush().await.unwrap();
    assert!(matches!(next(&mut server).await, Some(Ok(Message::Ping(_)))));
    assert_eq!(text(next(&mut server).await), "a€b");
}

#[tokio::test]
async fn invalid_utf8_in_a_first_fragment_fails_before_the_message_ends() {
    let (mut server, mut client) = pair().await;
    client.send(Message::Frame(Frame::message(vec![b'a', 0xff], OpCode::Data(Data::Text), false))).await.unwrap();
    assert!(matches!(next(&mut server).await, Some(Err(Error::Utf8(_)))));
}

#[tokio::test]
async fn a_ping_is_answered_while_the_server_only_reads() {
    let (mut server, mut client) = pair().await;
    client.send(Message::Ping(Bytes::from_static(b"are you there"))).await.unwrap();
    assert!(matches!(next(&mut server).await, Some(Ok(Message::Ping(_)))));
    assert!(would_wait(&mut server));
    assert_eq!(client.next().await.unwrap().unwrap(), Message::Pong(Bytes::from_static(b"are you there")));
}

#[tokio::test]
async fn an_oversized_message_is_skipped_and_the_peers_close_after_it_is_still_read() {
    let (mut server, mut client) = pair().await;
    client.send(Message::binary(vec![7u8; 5000])).await.unwrap();
    match next(&mut server).await {
        Some(Err(Error::Capacity(CapacityError::MessageTooLong { size: 5000, max_size: 1024 }))) => {}
        other => panic!("expected the size error, got {other:?}"),
    }
    // The server closes with 1009; the client answers, and the server reads that answer.
    let close = CloseFrame { code: CloseCode::Size, reason: "message too big".into() };
    send(&mut server, Message::Close(Some(close.clone()))).await;
    assert_eq!(client.next().await.unwrap().unwrap(), Message::Close(Some(close.clone())));
    client.flush().await.unwrap();
    assert_eq!(next(&mut server).await.unwrap().unwrap(), Message::Close(Some(close)));
    assert!(next(&mut server).await.is_none());
}

#[tokio::test]
async fn the_peers_close_is_answered_with_its_code_and_ends_the_stream() {
    let (mut server, mut client) = pair().await;
    let close = CloseFrame { code: CloseCode::Away, reason: "bye".into() };
    client.send(Message::Close(Some(close.clone()))).await.unwrap();
    assert_eq!(next(&mut server).await.unwrap().unwrap(), Message::Close(Some(close.clone())));
    assert!(next(&mut server).await.is_none());
    assert_eq!(client.next().await.unwrap().unwrap(), Message::Close(Some(close)));
    assert!(matches!(server.start_send(Message::text("late")), Err(Error::Protocol(ProtocolError::SendAfterClosing))));
}

#[tokio::test]
async fn frames_a_client_may_not_send_are_protocol_errors() {
    // Unmasked text, a fragmented ping, a reserved opcode, a continuation with nothing to continue.
    for bytes in
        [&[0x81, 0x01, b'a'][..], &[0x09, 0x80, 0, 0, 0, 0], &[0x83, 0x80, 0, 0, 0, 0], &[0x80, 0x80, 0, 0, 0, 0]]
    {
        let (server, mut client) = tokio::io::duplex(1024);
        let mut server = WsSocket::new(server, LIMITS);
        client.write_all(bytes).await.unwrap();
        match next(&mut server).await {
            Some(Err(Error::Protocol(_))) => {}
            other => panic!("{bytes:x?}: expected a protocol error, got {other:?}"),
        }
        assert!(next(&mut server).await.is_none(), "nothing is read after a protocol error");
        // The close can still be sent.
        send(&mut server, Message::Close(None)).await;
    }
}

#[tokio::test]
async fn a_peer_that_vanishes_mid_connection_is_a_reset_and_after_a_close_the_end() {
    let (mut server, client) = pair().await;
    drop(client);
    assert!(matches!(next(&mut server).await, Some(Err(Error::Protocol(ProtocolError::ResetWithoutClosingHandshake)))));

    let (mut server, client) = pair().await;
    send(&mut server, Message::Close(None)).await;
    drop(client);
    assert!(next(&mut server).await.is_none());
}

#[tokio::test]
async fn a_send_beyond_the_write_limit_is_refused() {
    let (server, _client) = tokio::io::duplex(16);
    let mut server = WsSocket::new(server, SocketLimits { max_write: 100, ..LIMITS });
    server.start_send(Message::binary(vec![0u8; 80])).unwrap();
    assert!(matches!(server.start_send(Message::binary(vec![0u8; 80])), Err(Error::WriteBufferFull(_))));
}

#[test]
fn unmask_matches_the_byte_by_byte_rule() {
    let mask = [0x6d, 0xb6, 0xb2, 0x80];
    for len in 0..40 {
        let data: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
        let mut fast = data.clone();
        unmask(&mut fast, mask);
        let slow: Vec<u8> = data.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]).collect();
        assert_eq!(fast, slow, "length {len}");
    }
}

#[test]
fn a_utf8_sequence_may_straddle_fragments_but_invalid_bytes_fail_at_once() {
    let euro = "€".as_bytes();
    assert_eq!(utf8_prefix(&[b'a', euro[0], euro[1]]).unwrap(), 1);
    assert!(utf8_prefix(&[b'a', 0xff, b'b']).is_err());
    assert_eq!(utf8_prefix(euro).unwrap(), 3);
}
