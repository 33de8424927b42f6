// parse-prometheus-text-format 1.1.1 ships no types: the shape its README documents (prom2json's).
declare module "parse-prometheus-text-format" {
  export interface PrometheusSample {
    value: string;
    labels?: Record<string, string>;
  }
  export interface PrometheusHistogramSample {
    buckets: Record<string, string>;
    count: string;
    sum: string;
    labels?: Record<string, string>;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: (PrometheusSample | PrometheusHistogramSample)[];
  }
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
