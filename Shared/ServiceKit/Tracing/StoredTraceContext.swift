import Instrumentation
import ServiceContextModule

/// A trace context kept with data written now and acted on later (an
/// outbox event): `traceparent=…` and `tracestate=…` lines.
enum StoredTraceContext {
    /// The current span's context, or nil outside one (or without tracing).
    static func current() -> String? {
        guard let context = ServiceContextModule.ServiceContext.current else { return nil }
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: FieldsInjector())
        guard !fields.isEmpty else { return nil }
        return fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }

    /// The context `stored` describes, to continue its trace; nil for nil.
    static func context(_ stored: String?) -> ServiceContextModule.ServiceContext? {
        guard let stored else { return nil }
        var fields: [String: String] = [:]
        for line in stored.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        var context = ServiceContextModule.ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(fields, into: &context, using: FieldsExtractor())
        return context
    }

    private struct FieldsInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    private struct FieldsExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? {
            carrier[key]
        }
    }
}
