# Sourced by the setup scripts: installs the named Debian packages with apt (via sudo when not root).
# Usage: apt_install WHO PACKAGE...   (does nothing without packages)
apt_install() {
  local who=$1
  shift
  [ "$#" -gt 0 ] || return 0
  echo "$who: installing $*" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Another apt (unattended upgrades, a parallel setup) may hold the lock for a while: wait for it rather than fail.
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}
