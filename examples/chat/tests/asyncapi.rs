//! The example binary serves its AsyncAPI contract, the checked-in `asyncapi.json`, over HTTP on
//! the channels' port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Ends the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[test]
fn binary_serves_the_asyncapi_document() {
    let port = free_port();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_example-chat"))
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example starts"),
    );
    let stdout = server.0.stdout.take().expect("stdout is piped");
    // Kept open to the end: the server prints more after the banner, and a closed pipe would
    // fail its `println!`.
    let mut lines = BufReader::new(stdout).lines();
    // The banner is printed before the server binds; connecting is retried until it listens.
    for line in lines.by_ref() {
        if line.expect("utf-8 output").starts_with("demo token: ") {
            break;
        }
    }
    let mut stream = None;
    for _ in 0..200 {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(25)),
        }
    }
    let mut stream = stream.expect("the server listens");
    stream.write_all(b"GET /asyncapi.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    assert_eq!(body, include_str!("../asyncapi.json"), "the checked-in document, unchanged");
    let document: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(document["asyncapi"], "3.0.0");
    drop(lines);
}
