#!/usr/bin/env bash
# Install the Debian packages the integration and e2e tests need, when missing and when root.
set -u
need=()
for pair in sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client sudo:sudo \
            debootstrap:debootstrap dpkg-scanpackages:dpkg-dev openssl:openssl ip:iproute2 \
            ps:procps unshare:util-linux fuser:psmisc systemd-nspawn:systemd-container \
            prometheus:prometheus chromium:chromium ansible-playbook:ansible-core; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "test: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  exit 0
fi
echo "test: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
# The monitor e2e runs its own Prometheus on loopback; the packaged service must not hold :9090.
case " ${need[*]} " in *" prometheus "*) service prometheus stop >/dev/null 2>&1 || true ;; esac
