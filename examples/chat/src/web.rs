//! The chat page: a small web client built from the generated TypeScript client. `web/app.ts`
//! and `web/chat-client.ts` are bundled into `web/dist/app.js`, which is checked in so that
//! `cargo run -p example-chat` serves the page without npm (a suite checks that it is fresh).

use example_chat::Services;
use wirechan::App;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/dist/app.js");

/// Serves the page at `/` and its script at `/app.js`. With `demo_token`, `GET /demo-token`
/// answers `{"token":"..."}` so that the page can offer a one-click sign-in.
pub fn with_page(app: App<Services>, demo_token: Option<&str>) -> App<Services> {
    let app = app.asset("/", "text/html; charset=utf-8", INDEX_HTML).asset(
        "/app.js",
        "text/javascript; charset=utf-8",
        APP_JS,
    );
    match demo_token {
        Some(token) => app.asset("/demo-token", "application/json", serde_json::json!({ "token": token }).to_string()),
        None => app,
    }
}
