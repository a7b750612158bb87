#!/usr/bin/env bash
# Installs what this project needs and a fresh Debian machine lacks. Usage: scripts/ensure-deps.sh [run|test|cluster|bench]
set -euo pipefail
mode="${1:-run}"
need=()
command -v dotnet >/dev/null 2>&1 || { echo "未找到 .NET SDK 10（dotnet）。请先安装 .NET SDK 10.0。" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
fi
if [ "$mode" = "test" ] || [ "$mode" = "cluster" ]; then
  # The multi-host mode (scripts/cluster) and its test: the broker, the reverse proxy, setpriv (util-linux).
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
fi
if [ "$mode" = "bench" ]; then
  # The load benchmark (benchmarks/Declaration.Benchmarks load) drives the host with wrk.
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "正在安装：${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    echo "缺少系统软件包，请以 root 身份执行：apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
# The local cluster runs as the postgres OS user, which the postgresql package creates.
id postgres >/dev/null 2>&1 || { echo "缺少 postgres 系统用户（安装 postgresql 软件包会创建）" >&2; exit 1; }
