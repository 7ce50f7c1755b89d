//! A connection's WebSocket: RFC 6455 messages on tungstenite's frame types (header parsing and
//! formatting, close codes, `Message` and its errors), driven here so that a connection with
//! nothing to read or write holds no buffer, with permessage-deflate (RFC 7692,
//! `permessage_deflate.rs`) where the handshake agreed on it.
//!
//! tungstenite's `WebSocketStream` allocates its read buffer when the connection opens and keeps
//! it, and its write buffer keeps the capacity of the largest burst, for the connection's life:
//! with thousands of idle connections those buffers were half of the server's memory. Here the
//! read buffer exists while bytes are being parsed: it is given back (`spare_buffers.rs`) when a
//! read finds the socket empty and nothing is left over (a partial frame is kept, bounded by the
//! message size limit), and the write buffer when a flush has written all of it.

use std::io::Cursor;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

#[cfg(feature = "compression")]
use super::permessage_deflate::{InflateError, PerMessageDeflate};
use super::spare_buffers;
use crate::outbound::Publication;

/// The longest frame header (RFC 6455 section 5.2).
const MAX_HEADER: usize = 14;
/// The first capacity of a write buffer: a reply or a small batch fits without growing it.
const FIRST_WRITE_CAPACITY: usize = 4 * 1024;

/// The limits a socket enforces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SocketLimits {
    /// The most bytes one read takes from the socket (more when a frame needs it).
    pub(crate) read_size: usize,
    /// Buffered bytes beyond which a send first writes what is buffered.
    pub(crate) write_size: usize,
    /// Buffered bytes beyond which a send is refused.
    pub(crate) max_write: usize,
    /// The largest message (and so frame) accepted.
    pub(crate) max_message: usize,
}

/// Where the close handshake stands. Reading ends at the peer's close (`read_done`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closing {
    Open,
    /// Our close frame is queued or sent; the peer's is awaited.
    Sent,
    /// The peer's close arrived and ours (the reply) is queued.
    Received,
}

/// A fragmented message being assembled.
struct Partial {
    text: bool,
    /// Deflated (RSV1 on its first frame): checked as UTF-8 only once inflated.
    compressed: bool,
    data: BytesMut,
    /// For uncompressed text: how many leading bytes are known to be UTF-8 (a sequence may
    /// straddle frames).
    checked: usize,
}

/// A server's WebSocket on a byte stream whose handshake is done.
pub(crate) struct WsSocket<T> {
    io: T,
    limits: SocketLimits,
    /// Bytes read and not yet parsed. No allocation while idle.
    read: BytesMut,
    /// The header of the frame being read, and its payload length.
    header: Option<(FrameHeader, usize)>,
    /// Payload bytes of a refused (oversized) frame still to skip, so the peer's close after it
    /// is read as a frame.
    skip: usize,
    partial: Option<Partial>,
    /// Formatted frames; `written` of them are on the socket. No allocation while idle.
    write: Vec<u8>,
    written: usize,
    /// The payload of the latest ping not yet answered: only the latest is answered (RFC 6455
    /// section 5.5.3), which bounds what a peer that pings and never reads can make us buffer.
    pong: Option<Bytes>,
    /// A pong or the close reply is buffered and should go out without waiting for a flush.
    owed: bool,
    closing: Closing,
    /// Reading failed or the stream ended: nothing more is read, but a close may still be sent.
    read_done: bool,
    /// permessage-deflate, when agreed.
    #[cfg(feature = "compression")]
    deflate: Option<Box<PerMessageDeflate>>,
}

impl<T> WsSocket<T> {
    pub(crate) fn new(io: T, limits: SocketLimits) -> Self {
        Self {
            io,
            limits,
            read: BytesMut::new(),
            header: None,
            skip: 0,
            partial: None,
            write: Vec::new(),
            written: 0,
            pong: None,
            owed: false,
            closing: Closing::Open,
            read_done: false,
            #[cfg(feature = "compression")]
            deflate: None,
        }
    }

    /// A socket with permessage-deflate.
    #[cfg(feature = "compression")]
    pub(crate) fn with_deflate(io: T, limits: SocketLimits, deflate: PerMessageDeflate) -> Self {
        Self { deflate: Some(Box::new(deflate)), ..Self::new(io, limits) }
    }

    /// Whether RSV1 may mark a message compressed.
    fn deflates(&self) -> bool {
        #[cfg(feature = "compression")]
        return self.deflate.is_some();
        #[cfg(not(feature = "compression"))]
        false
    }

    /// A compressed message's payload, inflated within the size limit.
    #[cfg_attr(not(feature = "compression"), allow(clippy::unnecessary_wraps))]
    fn inflated(&mut self, payload: &[u8]) -> Result<Bytes, Error> {
        #[cfg(feature = "compression")]
        if let Some(deflate) = &mut self.deflate {
            let max_size = self.limits.max_message;
            return match deflate.incoming(payload, max_size) {
                Ok(inflated) => Ok(inflated.into()),
                Err(InflateError::TooBig) => {
                    Err(CapacityError::MessageTooLong { size: max_size.saturating_add(1), max_size }.into())
                }
                Err(e) => Err(Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
            };
        }
        // RSV1 is refused on a connection without the extension: never reached.
        Ok(Bytes::copy_from_slice(payload))
    }

    /// A data message's payload as sent, and whether it is compressed.
    fn outgoing(&mut self, payload: Bytes) -> (Bytes, bool) {
        #[cfg(feature = "compression")]
        if let Some(deflate) = &mut self.deflate {
            return deflate.outgoing(&payload);
        }
        (payload, false)
    }

    /// The byte stream, to discard what the peer still sends after a fatal error.
    pub(crate) fn io_mut(&mut self) -> &mut T {
        &mut self.io
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> WsSocket<T> {
    /// The next message: data, a ping (answered here), a pong, or the peer's close (answered
    /// here); `None` once the close handshake is over or the stream ended after it.
    pub(crate) fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if self.owed {
                match self.poll_write_out(cx) {
                    Poll::Ready(Ok(())) => self.owed = false,
                    Poll::Ready(Err(e)) => {
                        self.owed = false;
                        self.read_done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                    // A pong goes out when the peer takes bytes again; reading goes on.
                    Poll::Pending if !self.read_done => {}
                    // The reply to the peer's close: the stream ends once it is written.
                    Poll::Pending => return Poll::Pending,
                }
            }
            // After the peer's close and our reply, the server closes the TCP connection first
            // (RFC 6455 section 7.1.1): the stream ends here.
            if self.read_done {
                return Poll::Ready(None);
            }
            match self.next_message() {
                Ok(Some(message)) => return Poll::Ready(Some(Ok(message))),
                Ok(None) => {}
                Err(e) => {
                    // After an oversized or non-UTF-8 message the frames that follow still parse.
                    if !matches!(e, Error::Capacity(_) | Error::Utf8(_)) {
                        self.read_done = true;
                    }
                    return Poll::Ready(Some(Err(e)));
                }
            }
            match ready!(self.poll_fill(cx)) {
                Ok(0) => {
                    let open = self.closing == Closing::Open;
                    self.read_done = true;
                    return Poll::Ready(
                        open.then(|| Err(Error::Protocol(ProtocolError::ResetWithoutClosingHandshake))),
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    self.read_done = true;
                    return Poll::Ready(Some(Err(Error::Io(e))));
                }
            }
        }
    }

    /// Reads once from the socket into the read buffer: `Ok(0)` at the end of the stream. When
    /// the socket has nothing and no bytes are left over, the buffer is given back.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        let wanted = match self.header {
            Some((_, len)) => len.saturating_sub(self.read.len()),
            None => MAX_HEADER,
        };
        if self.read.capacity() == 0 {
            self.read = spare_buffers::take_read();
        }
        self.read.reserve(wanted.max(self.limits.read_size));
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.read) {
            Poll::Pending => {
                if self.read.is_empty() {
                    spare_buffers::give_read(std::mem::take(&mut self.read));
                }
                Poll::Pending
            }
            ready => ready,
        }
    }

    /// Parses the buffered bytes into frames until one completes a message, or more bytes are
    /// needed (`None`).
    fn next_message(&mut self) -> Result<Option<Message>, Error> {
        loop {
            if self.skip > 0 {
                let skipped = self.skip.min(self.read.len());
                self.read.advance(skipped);
                self.skip -= skipped;
                if self.skip > 0 {
                    return Ok(None);
                }
            }
            let Some((header, payload)) = self.next_frame()? else { return Ok(None) };
            if let Some(message) = self.on_frame(header, payload)? {
                return Ok(Some(message));
            }
        }
    }

    /// The next whole frame, unmasked, its header checked as soon as it is complete so that no
    /// buffer is reserved for a frame that is refused anyway.
    fn next_frame(&mut self) -> Result<Option<(FrameHeader, Bytes)>, Error> {
        if self.header.is_none() {
            let mut cursor = Cursor::new(&self.read[..]);
            let Some((header, len)) = FrameHeader::parse(&mut cursor)? else { return Ok(None) };
            self.read.advance(cursor.position() as usize);
            let len = self.check_header(&header, len)?;
            self.header = Some((header, len));
        }
        let Some((_, len)) = self.header else { return Ok(None) };
        if self.read.len() < len {
            return Ok(None);
        }
        let Some((header, _)) = self.header.take() else { return Ok(None) };
        let mut payload = self.read.split_to(len);
        if let Some(mask) = header.mask {
            unmask(&mut payload, mask);
        }
        Ok(Some((header, payload.freeze())))
    }

    /// RFC 6455 section 5's rules for a frame from a client, and the size limit. Returns the
    /// payload length.
    fn check_header(&mut self, header: &FrameHeader, len: u64) -> Result<usize, Error> {
        // RSV1 marks a compressed message on its first frame only (RFC 7692 section 6.1).
        let compressed_start = matches!(header.opcode, OpCode::Data(Data::Text | Data::Binary)) && self.deflates();
        if (header.rsv1 && !compressed_start) || header.rsv2 || header.rsv3 {
            return Err(ProtocolError::NonZeroReservedBits.into());
        }
        if header.mask.is_none() {
            return Err(ProtocolError::UnmaskedFrameFromClient.into());
        }
        match header.opcode {
            OpCode::Control(_) if !header.is_final => return Err(ProtocolError::FragmentedControlFrame.into()),
            OpCode::Control(_) if len > 125 => return Err(ProtocolError::ControlFrameTooBig.into()),
            OpCode::Control(_) => {}
            OpCode::Data(_) => {
                let before = self.partial.as_ref().map_or(0, |p| p.data.len());
                let max_size = self.limits.max_message;
                let size = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(before);
                if size > max_size {
                    // The frame's bytes are skipped as they come; a message it continued is void.
                    self.skip = usize::try_from(len).unwrap_or(usize::MAX);
                    self.partial = None;
                    return Err(CapacityError::MessageTooLong { size, max_size }.into());
                }
            }
        }
        usize::try_from(len).map_err(|_| ProtocolError::ControlFrameTooBig.into())
    }

    /// A complete frame: a message, a control frame answered here, or a fragment.
    fn on_frame(&mut self, header: FrameHeader, payload: Bytes) -> Result<Option<Message>, Error> {
        match header.opcode {
            OpCode::Control(Control::Ping) => {
                if self.closing == Closing::Open {
                    self.pong = Some(payload.clone());
                    self.owed = true;
                }
                Ok(Some(Message::Ping(payload)))
            }
            OpCode::Control(Control::Pong) => Ok(Some(Message::Pong(payload))),
            OpCode::Control(Control::Close) => self.on_close(payload).map(|close| Some(Message::Close(close))),
            OpCode::Control(Control::Reserved(code)) => Err(ProtocolError::UnknownControlFrameType(code).into()),
            OpCode::Data(Data::Reserved(code)) => Err(ProtocolError::UnknownDataFrameType(code).into()),
            OpCode::Data(Data::Continue) => {
                let Some(partial) = &mut self.partial else {
                    return Err(ProtocolError::UnexpectedContinueFrame.into());
                };
                partial.data.extend_from_slice(&payload);
                if partial.text && !partial.compressed {
                    match utf8_prefix(&partial.data[partial.checked..]) {
                        Ok(valid) => partial.checked += valid,
                        Err(e) => {
                            // The message is void, as when its first fragment fails.
                            self.partial = None;
                            return Err(e);
                        }
                    }
                }
                if !header.is_final {
                    return Ok(None);
                }
                let Some(Partial { text, compressed, data, checked }) = self.partial.take() else { return Ok(None) };
                let data = if compressed { self.inflated(&data)? } else { data.freeze() };
                if !text {
                    return Ok(Some(Message::Binary(data)));
                }
                if !compressed && checked != data.len() {
                    return Err(Error::Utf8("the message ends inside a UTF-8 sequence".into()));
                }
                text_message(data).map(Some)
            }
            OpCode::Data(data) => {
                if let Some(partial) = &self.partial {
                    return Err(
                        ProtocolError::ExpectedFragment(if partial.text { Data::Text } else { Data::Binary }).into()
                    );
                }
                let text = data == Data::Text;
                let compressed = header.rsv1;
                if header.is_final {
                    let payload = if compressed { self.inflated(&payload)? } else { payload };
                    return if text { text_message(payload).map(Some) } else { Ok(Some(Message::Binary(payload))) };
                }
                let checked = if text && !compressed { utf8_prefix(&payload)? } else { 0 };
                self.partial = Some(Partial { text, compressed, data: BytesMut::from(payload), checked });
                Ok(None)
            }
        }
    }

    /// The peer's close frame: answered with the same code (1002 for a code RFC 6455 does not
    /// allow on the wire), unless it answers ours.
    fn on_close(&mut self, payload: Bytes) -> Result<Option<CloseFrame>, Error> {
        // Nothing follows a close frame, valid or not: after answering an invalid one with our
        // close, the connection ends at once.
        self.read_done = true;
        let close = match payload.len() {
            0 => None,
            1 => return Err(ProtocolError::InvalidCloseSequence.into()),
            _ => {
                let code = CloseCode::from(u16::from_be_bytes([payload[0], payload[1]]));
                let reason = Utf8Bytes::try_from(payload.slice(2..)).map_err(|e| Error::Utf8(e.to_string()))?;
                Some(CloseFrame { code, reason })
            }
        };
        match self.closing {
            Closing::Open => {
                let reply = match &close {
                    Some(frame) if !frame.code.is_allowed() => {
                        Some(CloseFrame { code: CloseCode::Protocol, reason: Utf8Bytes::from_static("protocol error") })
                    }
                    other => other.clone(),
                };
                self.pong = None;
                self.buffer_close(reply.as_ref());
                self.closing = Closing::Received;
                self.owed = true;
            }
            // The answer to ours, or a second close: the handshake is over either way.
            Closing::Sent | Closing::Received => {}
        }
        Ok(close)
    }

    /// Makes room for a message: writes buffered bytes first when they passed the write size.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.write.len() - self.written >= self.limits.write_size {
            ready!(self.poll_write_out(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Buffers a message's frame. Nothing is sent after our close frame.
    pub(crate) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        if self.closing != Closing::Open {
            return Err(ProtocolError::SendAfterClosing.into());
        }
        if self.write.len() - self.written + message.len() > self.limits.max_write {
            return Err(Error::WriteBufferFull(Box::new(message)));
        }
        match message {
            Message::Text(text) => {
                let (payload, compressed) = self.outgoing(text.into());
                self.buffer_data(OpCode::Data(Data::Text), &payload, compressed);
            }
            Message::Binary(data) => {
                let (payload, compressed) = self.outgoing(data);
                self.buffer_data(OpCode::Data(Data::Binary), &payload, compressed);
            }
            Message::Ping(data) => self.buffer_frame(OpCode::Control(Control::Ping), &data),
            Message::Pong(data) => self.buffer_frame(OpCode::Control(Control::Pong), &data),
            Message::Close(close) => {
                self.buffer_close(close.as_ref());
                self.closing = Closing::Sent;
            }
            Message::Frame(frame) => {
                let header = frame.header().clone();
                let payload = frame.into_payload();
                self.reserve_write(MAX_HEADER + payload.len());
                let _ = header.format(payload.len() as u64, &mut self.write);
                self.write.extend_from_slice(&payload);
            }
        }
        Ok(())
    }

    /// Buffers a publication's frame: deflated once for all its subscribers where this
    /// connection deflates as the server's settings do (`outbound/publication.rs`).
    pub(crate) fn start_send_publication(&mut self, publication: &Publication) -> Result<(), Error> {
        #[cfg(feature = "compression")]
        if self.closing == Closing::Open
            && let Some(deflate) = &mut self.deflate
            && let Some(deflated) = deflate.outgoing_shared(&publication.text, &publication.deflated)
        {
            self.buffer_data(OpCode::Data(Data::Text), &deflated, true);
            return Ok(());
        }
        self.start_send(Message::Text(publication.text.clone()))
    }

    /// Writes every buffered byte and flushes the stream.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.poll_write_out(cx))?;
        self.owed = false;
        Pin::new(&mut self.io).poll_flush(cx).map_err(Error::Io)
    }

    /// Sends a close frame without a code, unless one was sent, and flushes.
    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.closing == Closing::Open {
            self.buffer_close(None);
            self.closing = Closing::Sent;
        }
        self.poll_flush(cx)
    }

    fn buffer_close(&mut self, close: Option<&CloseFrame>) {
        let mut payload = [0u8; 125];
        let len = match close {
            None => 0,
            Some(CloseFrame { code, reason }) => {
                payload[..2].copy_from_slice(&u16::from(*code).to_be_bytes());
                // A control frame's payload is at most 125 bytes: the reason is cut at a
                // character boundary to fit.
                let mut end = reason.len().min(123);
                while !reason.as_str().is_char_boundary(end) {
                    end -= 1;
                }
                payload[2..2 + end].copy_from_slice(&reason.as_bytes()[..end]);
                2 + end
            }
        };
        self.buffer_frame(OpCode::Control(Control::Close), &payload[..len]);
    }

    fn buffer_frame(&mut self, opcode: OpCode, payload: &[u8]) {
        self.buffer_data(opcode, payload, false);
    }

    /// Buffers a frame; `compressed` sets RSV1 (a message's only frame).
    fn buffer_data(&mut self, opcode: OpCode, payload: &[u8], compressed: bool) {
        self.reserve_write(MAX_HEADER + payload.len());
        let header = FrameHeader { opcode, rsv1: compressed, ..FrameHeader::default() };
        // Formatting into a `Vec` cannot fail.
        let _ = header.format(payload.len() as u64, &mut self.write);
        self.write.extend_from_slice(payload);
    }

    fn reserve_write(&mut self, bytes: usize) {
        if self.write.capacity() == 0 {
            self.write = spare_buffers::take_write();
            self.write.reserve(bytes.max(FIRST_WRITE_CAPACITY));
        }
    }

    /// Writes the buffered bytes (the owed pong first); the emptied buffer is dropped.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if let Some(pong) = self.pong.take() {
            self.buffer_frame(OpCode::Control(Control::Pong), &pong);
        }
        while self.written < self.write.len() {
            match ready!(Pin::new(&mut self.io).poll_write(cx, &self.write[self.written..])) {
                Ok(0) => return Poll::Ready(Err(Error::Io(std::io::ErrorKind::WriteZero.into()))),
                Ok(n) => self.written += n,
                Err(e) => return Poll::Ready(Err(Error::Io(e))),
            }
        }
        spare_buffers::give_write(std::mem::take(&mut self.write));
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

/// A text message's payload, checked as UTF-8.
fn text_message(payload: Bytes) -> Result<Message, Error> {
    Utf8Bytes::try_from(payload).map(Message::Text).map_err(|e| Error::Utf8(e.to_string()))
}

/// How many leading bytes are UTF-8, allowing a sequence cut at the end (the next fragment may
/// complete it). Invalid bytes fail at once rather than when the message ends.
fn utf8_prefix(bytes: &[u8]) -> Result<usize, Error> {
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(bytes.len()),
        Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
        Err(e) => Err(Error::Utf8(e.to_string())),
    }
}

/// Removes a client's mask (RFC 6455 section 5.3), eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3]]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

#[cfg(test)]
#[path = "ws_socket_tests.rs"]
mod tests;
