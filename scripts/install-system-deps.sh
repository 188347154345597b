#!/usr/bin/env bash
# Debian packages the tests and benchmarks use: Chromium + ChromeDriver (browser tests) and
# prometheus-blackbox-exporter (probe benchmark peer), nginx (static server of the crawl benchmark; the nginx service collector's tests start a private one), and two
# system CJK fonts: the browser layout tests run the walls under each (and under none) to prove the bundled
# font makes them independent of the PC's fonts; fonts-noto-cjk is also the source of that bundled font
# (tools/build_wall_font.py); fonts-wqy-microhei is the CJK font embedded in PDF reports (reports/pdf.py); fontconfig's fc-list checks those setups; victoria-metrics is the real server
# the MetricStore contract tests start for the "victoriametrics" backend; openssh-server the sshd the SSH host
# collector tests start on loopback; prometheus the real scraper of
# the /metrics self-monitoring test (tests/runtime/test_selfmetrics_scrape.py); prometheus-redis-exporter,
# prometheus-postgres-exporter and prometheus-nginx-exporter the peers of the platform-service benchmark
# (bench/services_bench.py starts each one itself on a free loopback port; their packaged services are not
# used); goaccess the peer of the access-log benchmark (bench/accesslog_bench.py; nginx also serves the access-log
# ingestion test). Idempotent; a no-op when all are present.
set -euo pipefail
need=()
for pkg in chromium chromium-driver prometheus-blackbox-exporter fonts-wqy-microhei fonts-noto-cjk fontconfig nginx victoria-metrics \
           openssh-server prometheus prometheus-redis-exporter prometheus-postgres-exporter prometheus-nginx-exporter goaccess; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "注意：缺少系统软件包 ${need[*]}，且无法自动安装（需要 root 和 apt-get）；浏览器测试将被跳过，VictoriaMetrics 存储契约测试将失败。" >&2
  exit 0
fi
echo "安装系统软件包：${need[*]} …"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
