// Each workload reports its own wall time and peak RSS on stderr, as one JSON line.
exports.report = (start, result) => {
  const wallMs = performance.now() - start;
  process.stderr.write(`BENCH ${JSON.stringify({ wallMs, maxRssKb: process.resourceUsage().maxRSS, result })}\n`);
};
