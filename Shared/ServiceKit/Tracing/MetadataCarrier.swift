import Instrumentation
import RPC

/// Reads trace context (W3C `traceparent`, `tracestate`) from gRPC metadata.
struct MetadataExtractor: Extractor {
    func extract(key: String, from carrier: Metadata) -> String? {
        carrier[key]
    }
}

/// Writes trace context into gRPC metadata, replacing what a caller set.
struct MetadataInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
        carrier.replace(key, value)
    }
}
