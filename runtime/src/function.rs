//! The traits that `#[channel_func]` implements and `wire_channel!` relies on.
//!
//! `#[channel_func]` keeps the user's function callable under its own name (its body is wrapped
//! in a [`ChannelFuture`], so `f(ctx, input).await` still works in tests) and adds a companion
//! type of the same name (type namespace) that implements [`ChannelFunction`] and [`Invoke`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::ChannelError;

/// What `#[channel_func]` knows about a function: its input and output types and its options.
pub trait ChannelFunction: 'static {
    /// The deserialized input (`()` when the function takes none).
    type Input: Send + 'static;
    /// The output (the `Ok` type when the function returns a `Result`).
    type Output: Send + 'static;
    /// What the function sends while it runs (its `Progress<T>` parameter's `T`; `()` without one).
    type Progress: Send + 'static;
    /// Whether the function takes a `Progress<T>`.
    const HAS_PROGRESS: bool;
    /// The Rust name of the function.
    const NAME: &'static str;
    /// The function's doc comment, its documented summary.
    const DOC: &'static str;
    /// `Some(flag)` when `#[channel_func(auth = flag)]` overrides the channel's default.
    const AUTH: Option<bool>;
    /// Whether the function takes a context: calls of one that does not get none built.
    const TAKES_CTX: bool;
}

/// Calls a channel function with a context of type `C` (a [`crate::Ctx`]).
#[diagnostic::on_unimplemented(
    message = "channel function `{Self}` cannot serve a channel whose context is `{C}`",
    label = "its `Ctx<..>` parameter does not match this channel",
    note = "a channel function's context is `Ctx<O, S>`: `O` is the channel's `opening_data` type and `S` the services given to `App::new`; declare `opening_data: O` in `wire_channel!` or change the parameter"
)]
pub trait Invoke<C>: ChannelFunction {
    /// Runs the function. `ctx` is `None` only for a function that takes none
    /// ([`ChannelFunction::TAKES_CTX`]): building a context costs a few reference counts per call.
    fn invoke(
        ctx: Option<C>,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Output, ChannelError>> + Send + 'static;
}

pin_project_lite::pin_project! {
    /// The future a `#[channel_func]` function returns; it marks the function as a channel function.
    #[must_use = "futures do nothing unless awaited"]
    pub struct ChannelFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> ChannelFuture<F> {
    #[doc(hidden)]
    pub fn new(inner: F) -> Self {
        Self { inner }
    }
}

impl<F: Future> Future for ChannelFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}

/// Implemented by every function marked `#[channel_func]`; used to report an unmarked function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a channel function",
    label = "not marked with `#[channel_func]`",
    note = "add `#[wirechan::channel_func]` above this `async fn` so that it can be wired into a channel"
)]
pub trait IsChannelFunction<Args> {}

impl<F, Fut> IsChannelFunction<()> for F where F: Fn() -> ChannelFuture<Fut> {}
impl<F, A, Fut> IsChannelFunction<(A,)> for F where F: Fn(A) -> ChannelFuture<Fut> {}
impl<F, A, B, Fut> IsChannelFunction<(A, B)> for F where F: Fn(A, B) -> ChannelFuture<Fut> {}
impl<F, A, B, C, Fut> IsChannelFunction<(A, B, C)> for F where F: Fn(A, B, C) -> ChannelFuture<Fut> {}

/// Compile-time check emitted by `wire_channel!` for every function it wires.
#[doc(hidden)]
pub const fn assert_channel_function<F: IsChannelFunction<Args>, Args>(_: &F) {}

/// Compile-time check emitted by `#[channel_func]` for the input type.
#[diagnostic::on_unimplemented(
    message = "the input type `{Self}` of a channel function cannot be deserialized",
    label = "this input type must implement `serde::Deserialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}`"
)]
pub trait ChannelInput: serde::de::DeserializeOwned + schemars::JsonSchema + Send + 'static {}
impl<T: serde::de::DeserializeOwned + schemars::JsonSchema + Send + 'static> ChannelInput for T {}

/// Compile-time check emitted by `#[channel_func]` for the output type.
#[diagnostic::on_unimplemented(
    message = "the output type `{Self}` of a channel function cannot be serialized",
    label = "this output type must implement `serde::Serialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Serialize, schemars::JsonSchema)]` to `{Self}`"
)]
pub trait ChannelOutput: serde::Serialize + schemars::JsonSchema + Send + 'static {}
impl<T: serde::Serialize + schemars::JsonSchema + Send + 'static> ChannelOutput for T {}

#[doc(hidden)]
pub const fn assert_input<T: ChannelInput>() {}
#[doc(hidden)]
pub const fn assert_output<T: ChannelOutput>() {}

/// Implemented by `#[channel_func]` for the opening-data type its `Ctx<O, _>` expects (for every
/// `O` when the function takes no context).
#[diagnostic::on_unimplemented(
    message = "channel function `{Self}` expects other opening data than this channel's `{O}`",
    label = "its `Ctx<..>` names a different opening-data type",
    note = "declare the same type in `wire_channel!` with `opening_data: <Type>`, or change the function's `Ctx<Type, _>`"
)]
pub trait OpensWith<O> {}

#[doc(hidden)]
pub const fn assert_opens_with<F: OpensWith<O>, O>() {}

/// Compile-time check emitted by `wire_channel!` for its `opening_data` type.
#[diagnostic::on_unimplemented(
    message = "the opening data type `{Self}` cannot be read from the route params and query",
    label = "this type must implement `serde::Deserialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}`"
)]
pub trait OpeningData: serde::de::DeserializeOwned + schemars::JsonSchema + Send + Sync + 'static {}
impl<T: serde::de::DeserializeOwned + schemars::JsonSchema + Send + Sync + 'static> OpeningData for T {}

#[doc(hidden)]
pub const fn assert_opening_data<T: OpeningData>() {}

/// The input of a connection or disconnection function: none.
#[diagnostic::on_unimplemented(
    message = "a connection or disconnection function takes no input, but this one takes `{Self}`",
    label = "this function takes an input",
    note = "`on_connect`/`on_disconnect` functions take only the context (`async fn f(ctx: Ctx<..>)`); wire a function with an input under `on_message_wiring` instead"
)]
pub trait NoInput: Sized {
    /// The one value of the input.
    fn none() -> Self;
}

impl NoInput for () {
    fn none() -> Self {}
}

/// The output of a disconnection function: none.
#[diagnostic::on_unimplemented(
    message = "`on_disconnect` returns nothing, but this function returns `{Self}`",
    label = "this function returns a value",
    note = "nothing can be sent to a closed connection: make the function return `()`"
)]
pub trait NoOutput {}
impl NoOutput for () {}
