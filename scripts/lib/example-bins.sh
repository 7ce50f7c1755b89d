# Shared by the Node and browser suites: builds the chat example and the raw echo server (debug)
# and exports their paths, CHAT_BIN and ECHO_BIN (`--compression` turns permessage-deflate on in
# the echo server, for the compression test). Source it from the repository's root.
cargo build --locked --quiet -p example-chat -p autobahn-echo
# CARGO_TARGET_DIR may be absolute or relative to the workspace.
case ${CARGO_TARGET_DIR:-target} in
  /*) bins="$CARGO_TARGET_DIR/debug" ;;
  *) bins="$PWD/${CARGO_TARGET_DIR:-target}/debug" ;;
esac
export CHAT_BIN="$bins/example-chat"
export ECHO_BIN="$bins/autobahn-echo"
