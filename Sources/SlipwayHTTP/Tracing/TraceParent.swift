package import Tracing

/// The W3C trace context of a piece of work, kept where no header can carry it: a delivery stores
/// the `traceparent` of the webhook that was accepted, so the job that runs it later (in another
/// task, replica or process after a restart) continues the same trace.
///
/// With no tracing backend bootstrapped every instrument is a no-op: nothing is stored and every
/// span is free.
package enum TraceParent {
    /// The current task's context as a `traceparent` value; nil when nothing is traced.
    package static func current() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryCarrier())
        return carrier["traceparent"]
    }

    /// A context whose parent is `traceParent` (a top-level one when nil or not understood).
    package static func context(_ traceParent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceParent {
            InstrumentationSystem.instrument.extract(["traceparent": traceParent], into: &context, using: DictionaryCarrier())
        }
        return context
    }
}

/// Reads and writes trace headers in a `[String: String]` (names lowercased).
struct DictionaryCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}
