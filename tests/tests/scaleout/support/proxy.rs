//! A TCP proxy between clients and server processes: each connection goes to one of the live
//! targets, at random, and the test can cut every connection at once, as a network blip or a
//! load balancer moving clients would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    pub addr: SocketAddr,
    targets: Arc<Mutex<Vec<SocketAddr>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(targets: Vec<SocketAddr>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let targets = Arc::new(Mutex::new(targets));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn({
            let (targets, connections) = (targets.clone(), connections.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let target = {
                        let targets = targets.lock().unwrap();
                        targets.get(rand_index(targets.len())).copied()
                    };
                    let Some(target) = target else { continue };
                    let relay = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    let mut connections = connections.lock().unwrap();
                    connections.retain(|c| !c.is_finished());
                    connections.push(relay);
                }
            }
        });
        Self { addr, targets, connections, accept }
    }

    /// Where new connections may go.
    pub fn set_targets(&self, targets: Vec<SocketAddr>) {
        *self.targets.lock().unwrap() = targets;
    }

    /// Cuts every connection through the proxy (no close frame: the sockets just end).
    pub fn cut(&self) {
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

fn rand_index(len: usize) -> usize {
    use std::hash::BuildHasher;
    if len == 0 {
        return 0;
    }
    (std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now()) as usize) % len
}
