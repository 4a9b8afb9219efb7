// MTUCore re-exports the vocabulary it speaks (MTUModel), as swift-nio's `NIO` re-exports `NIOCore`: a module that
// imports MTUCore sees `Severity`, `PathVerdict`, `Finding`, `IPAddress`… without naming MTUModel.
@_exported import MTUModel
