package import Tracing

/// Spans for Slipway's own work (a delivery, a store, a store's step), with typed errors passed
/// through unchanged — the tracing library's `withSpan` rethrows untyped.
package enum Traced {
    /// Runs `body` in a span named `name`, a child of `context` (default: the current one). A
    /// thrown error is recorded on the span, which then ends with status error.
    package static func span<T, Failure: Error>(
        _ name: String, kind: SpanKind = .internal, context: ServiceContext? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (any Span) async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let parent = context ?? ServiceContext.current ?? .topLevel
        let span = InstrumentationSystem.tracer.startSpan(name, context: parent, ofKind: kind)
        defer { span.end() }
        let outcome: Result<T, Failure> = await ServiceContext.$current.withValue(span.context) {
            do throws(Failure) {
                return .success(try await body(span))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let value):
            return value
        case .failure(let error):
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
