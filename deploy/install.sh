#!/bin/sh
# katar-sms: install, upgrade or uninstall on Raspberry Pi OS / Debian 12 or 13 (arm64,
# armhf, amd64). Run it from a built checkout or release (dist/ present):
#
#   sudo deploy/install.sh                 install or upgrade, enable and (re)start
#   sudo deploy/install.sh --no-start      install or upgrade, enable, do not start
#   sudo deploy/install.sh --uninstall     remove the program; keep config and data
#   deploy/install.sh --prefix /tmp/root   into a staging root (an image, a test)
#
# It also puts a `katar-sms` command in /usr/local/bin that finds the service's config and
# data dir by itself (katar-sms status, sudo katar-sms token --role producer).
#
# Running it again is safe: an existing /etc/katar-sms/config.json is never touched.
set -eu

NAME=katar-sms
DESTDIR=
NO_START=0
NO_NPM=${KATAR_NO_NPM:-0}
UNINSTALL=0

say() { printf '%s: %s\n' "$NAME install" "$*"; }
die() { printf '%s: error: %s\n' "$NAME install" "$*" >&2; exit 1; }
usage() {
  cat <<'EOF'
Usage: install.sh [--prefix DESTDIR] [--no-start] [--no-npm] [--uninstall]

  --prefix DIR   install below DIR instead of / (no systemctl, no udevadm, no start)
  --no-start     enable the service but do not (re)start it
  --no-npm       skip `npm ci` (keeps node_modules of the previous install, if any)
  --uninstall    remove the program, unit and udev rule; keep config, data and user
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; DESTDIR=$2; shift 2 ;;
    --prefix=*) DESTDIR=${1#*=}; shift ;;
    --no-start) NO_START=1; shift ;;
    --no-npm) NO_NPM=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'install.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -n "$DESTDIR" ]; then
  mkdir -p "$DESTDIR"
  DESTDIR=$(cd "$DESTDIR" && pwd)
  [ "$DESTDIR" != / ] || DESTDIR=
fi
if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then die "run as root (sudo $0), or use --prefix DIR"; fi

SRC=$(cd "$(dirname "$0")/.." && pwd)
APP=$DESTDIR/opt/$NAME
UNIT=$DESTDIR/etc/systemd/system/$NAME.service
RULE=$DESTDIR/etc/udev/rules.d/99-katar-modem.rules
BIN=$DESTDIR/usr/local/bin/$NAME
CONF_DIR=$DESTDIR/etc/$NAME
DATA_DIR=$DESTDIR/var/lib/$NAME

# --- accounts -------------------------------------------------------------------------

has_entry() { # file name: is there an account `name` (in DESTDIR's file, or via NSS)?
  if [ -n "$DESTDIR" ]; then grep -q "^$2:" "$DESTDIR/etc/$1" 2>/dev/null; else getent "$1" "$2" >/dev/null; fi
}
acct() { # useradd/groupadd/usermod, aimed at DESTDIR's /etc when there is one
  cmd=$1; shift
  if [ -n "$DESTDIR" ]; then "$cmd" --prefix "$DESTDIR" "$@"; else "$cmd" "$@"; fi
}
free_id() { # file: the highest unused id in the system range, as useradd --system picks
  awk -F: '{ used[$3] = 1 } END { for (i = 999; i >= 100; i--) if (!(i in used)) { print i; exit } }' "$1"
}
id_of() { # file name: numeric id of an account in DESTDIR's file
  awk -F: -v n="$2" '$1 == n { print $3; exit }' "$DESTDIR/etc/$1"
}

# Without root (or without useradd --prefix) a staging root still gets the same entries,
# written straight into its passwd/group files.
add_account_to_files() {
  etc=$DESTDIR/etc
  [ -f "$etc/passwd" ] && [ -f "$etc/group" ] || die "$etc/passwd and $etc/group must exist in the staging root"
  if ! has_entry group "$NAME"; then
    gid=$(free_id "$etc/group")
    echo "$NAME:x:$gid:" >>"$etc/group"
    if [ -f "$etc/gshadow" ]; then echo "$NAME:!::" >>"$etc/gshadow"; fi
  fi
  gid=$(id_of group "$NAME")
  if ! has_entry passwd "$NAME"; then
    uid=$gid
    if awk -F: -v u="$uid" '$3 == u { found = 1 } END { exit !found }' "$etc/passwd"; then uid=$(free_id "$etc/passwd"); fi
    echo "$NAME:x:$uid:$gid:katar-sms SMS gateway:/var/lib/$NAME:/usr/sbin/nologin" >>"$etc/passwd"
    if [ -f "$etc/shadow" ]; then echo "$NAME:!:::::::" >>"$etc/shadow"; fi
  fi
  awk -F: -v OFS=: -v n="$NAME" '
    $1 == "dialout" { split($4, m, ","); for (i in m) if (m[i] == n) { print; next }; $4 = ($4 == "" ? n : $4 "," n) }
    { print }' "$etc/group" >"$etc/group.katar" && cat "$etc/group.katar" >"$etc/group" && rm -f "$etc/group.katar"
}

ensure_account() {
  has_entry group dialout || die "there is no dialout group${DESTDIR:+ in $DESTDIR/etc/group} (Debian always has one)"
  if [ -n "$DESTDIR" ] && { [ "$(id -u)" != 0 ] || [ "${KATAR_ACCOUNTS:-}" = files ] || ! useradd --help 2>&1 | grep -q -- --prefix; }; then
    add_account_to_files
  else
    has_entry group "$NAME" || acct groupadd --system "$NAME"
    if has_entry passwd "$NAME"; then
      acct usermod --append --groups dialout "$NAME"
    else
      acct useradd --system --gid "$NAME" --groups dialout --home-dir "/var/lib/$NAME" --no-create-home \
        --shell /usr/sbin/nologin --comment "katar-sms SMS gateway" "$NAME"
    fi
  fi
  say "user $NAME (groups $NAME, dialout) present"
}

own() { # owner:group path...: chown -R by name, or by the staging root's numeric ids
  spec=$1; shift
  [ "$(id -u)" = 0 ] || return 0
  if [ -n "$DESTDIR" ]; then
    u=${spec%%:*}; g=${spec#*:}
    [ "$u" = root ] && u=0 || u=$(id_of passwd "$u")
    [ "$g" = root ] && g=0 || g=$(id_of group "$g")
    spec=$u:$g
  fi
  chown -R "$spec" "$@"
}

# --- uninstall ------------------------------------------------------------------------

if [ "$UNINSTALL" = 1 ]; then
  if [ -z "$DESTDIR" ]; then
    systemctl disable --now "$NAME.service" 2>/dev/null || true
  elif command -v systemctl >/dev/null 2>&1; then
    systemctl --root="$DESTDIR" --quiet disable "$NAME.service" 2>/dev/null || true
  fi
  rm -f "$UNIT" "$RULE"
  if [ -f "$BIN" ] && grep -q 'written by deploy/install.sh' "$BIN"; then rm -f "$BIN"; fi
  rm -rf "$APP" "$APP.new" "$APP.old"
  if [ -z "$DESTDIR" ]; then
    systemctl daemon-reload
    udevadm control --reload 2>/dev/null || true
  fi
  say "removed $APP, $UNIT, $RULE and $BIN"
  say "kept: $CONF_DIR (config and tokens), $DATA_DIR (queue, history, inbox), user $NAME"
  say "to remove those too: rm -rf $CONF_DIR $DATA_DIR && userdel $NAME && groupdel $NAME"
  exit 0
fi

# --- checks ---------------------------------------------------------------------------

NODE_HELP='Debian 13 (trixie): sudo apt install nodejs npm. Debian 12 (bookworm) ships Node 18:
install a current LTS from NodeSource (https://github.com/nodesource/distributions):
  curl -fsSL https://deb.nodesource.com/setup_22.x -o nodesource_setup.sh && sudo bash nodesource_setup.sh && sudo apt install -y nodejs'
NODE_BIN=${KATAR_NODE:-$(command -v node || true)}
[ -n "$NODE_BIN" ] || die "Node.js >= 20 is needed and there is no node on PATH.
$NODE_HELP"
major=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
case $major in ''|*[!0-9]*) major=0 ;; esac
[ "$major" -ge 20 ] || die "Node.js >= 20 is needed; $NODE_BIN is $("$NODE_BIN" --version 2>/dev/null || echo unknown).
$NODE_HELP"
case $NODE_BIN in
  /home/*|/root/*)
    # ProtectHome=yes hides home directories from the service: an nvm node cannot run it.
    if [ -z "$DESTDIR" ]; then die "$NODE_BIN is in a home directory, which the service cannot see; install Node system-wide (see above)"; fi ;;
esac
[ -f "$SRC/dist/src/cli/main.js" ] || die "$SRC/dist has no build: run 'npm ci && npm run build' in $SRC first"
[ -f "$SRC/scripts/build-if-needed.mjs" ] || die "$SRC/scripts/build-if-needed.mjs is missing (package.json's prepare runs it during npm ci)"
[ "$SRC" != "$APP" ] || die "run the install.sh of the new release, not the installed copy in $APP"
if [ "$NO_NPM" != 1 ]; then
  command -v npm >/dev/null 2>&1 || die "npm is needed to install the dependencies (sudo apt install npm)"
  [ -f "$SRC/package-lock.json" ] || die "$SRC/package-lock.json is missing (npm ci needs it)"
fi

# --- install --------------------------------------------------------------------------

ensure_account

# Build the new tree beside the old one and swap at the end: a failed npm ci leaves the
# running install as it was.
STAGE=$APP.new
rm -rf "$STAGE"
mkdir -p "$STAGE/dist"
for d in "$SRC"/dist/*; do
  case ${d##*/} in test|bench) continue ;; esac
  cp -R "$d" "$STAGE/dist/"
done
cp -R "$SRC/deploy" "$STAGE/"
for f in package.json package-lock.json README.md LICENSE; do
  if [ -f "$SRC/$f" ]; then cp "$SRC/$f" "$STAGE/"; fi
done
# package.json's `prepare` runs this during `npm ci`; with no src/ beside it, it does nothing.
mkdir -p "$STAGE/scripts"
cp "$SRC/scripts/build-if-needed.mjs" "$STAGE/scripts/"
if [ "$NO_NPM" = 1 ]; then
  if [ -d "$APP/node_modules" ]; then mv "$APP/node_modules" "$STAGE/"; fi
  say "skipping npm ci (--no-npm)"
else
  say "installing production dependencies (npm ci --omit=dev)"
  (cd "$STAGE" && npm ci --omit=dev --no-audit --no-fund)
fi
chmod -R u=rwX,go=rX "$STAGE"
own root:root "$STAGE"
rm -rf "$APP.old"
if [ -d "$APP" ]; then mv "$APP" "$APP.old"; fi
mv "$STAGE" "$APP"
rm -rf "$APP.old"
say "installed $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$APP/package.json" | head -n 1) into $APP"

mkdir -p "${UNIT%/*}" "${RULE%/*}"
sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE_BIN #" "$SRC/deploy/$NAME.service" >"$UNIT.tmp"
chmod 0644 "$UNIT.tmp" && mv "$UNIT.tmp" "$UNIT"
cp "$SRC/deploy/99-katar-modem.rules" "$RULE.tmp"
chmod 0644 "$RULE.tmp" && mv "$RULE.tmp" "$RULE"
say "installed $UNIT (node: $NODE_BIN) and $RULE"

# The command line for the installed gateway. It points status, probe, token and store at
# the service's config and data dir; run by root it drops to the service's user (which can
# read the config and owns the data dir), so that nothing it writes there is root's.
mkdir -p "${BIN%/*}"
cat >"$BIN.tmp" <<EOF
#!/bin/sh
# katar-sms: the command line of the installed gateway, written by deploy/install.sh.
# The service's config and data dir are the defaults of its commands; see katar-sms help.
export KATAR_CONFIG="\${KATAR_CONFIG:-/etc/$NAME/config.json}"
export KATAR_DATA_DIR="\${KATAR_DATA_DIR:-/var/lib/$NAME}"
# The service's secrets (e.g. KATAR_DATABASE_URL), when this user may read them.
if [ -r /etc/$NAME/env ]; then set -a; . /etc/$NAME/env; set +a; fi
main=/opt/$NAME/dist/src/cli/main.js
if [ "\$(id -u)" = 0 ] && id -u $NAME >/dev/null 2>&1; then
  if command -v setpriv >/dev/null 2>&1; then
    exec setpriv --reuid=$NAME --regid=$NAME --init-groups -- "$NODE_BIN" "\$main" "\$@"
  fi
  exec runuser -u $NAME -- env KATAR_CONFIG="\$KATAR_CONFIG" KATAR_DATA_DIR="\$KATAR_DATA_DIR" "$NODE_BIN" "\$main" "\$@"
fi
exec "$NODE_BIN" "\$main" "\$@"
EOF
chmod 0755 "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
say "installed $BIN (try: katar-sms status; sudo katar-sms token --role producer)"

# The config holds tokens and the SIM PIN: readable by root and the service only.
mkdir -p "$CONF_DIR"
chmod 0750 "$CONF_DIR"
own "root:$NAME" "$CONF_DIR"
if [ -e "$CONF_DIR/config.json" ]; then
  say "kept the existing $CONF_DIR/config.json"
else
  cp "$SRC/deploy/config.example.json" "$CONF_DIR/config.json.tmp"
  for placeholder in $(grep -o 'CHANGE-ME-[A-Za-z0-9-]*' "$CONF_DIR/config.json.tmp" | sort -u); do
    token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    sed "s/$placeholder/$token/" "$CONF_DIR/config.json.tmp" >"$CONF_DIR/config.json.tmp2"
    mv "$CONF_DIR/config.json.tmp2" "$CONF_DIR/config.json.tmp"
  done
  chmod 0640 "$CONF_DIR/config.json.tmp"
  own "root:$NAME" "$CONF_DIR/config.json.tmp"
  mv "$CONF_DIR/config.json.tmp" "$CONF_DIR/config.json"
  say "wrote $CONF_DIR/config.json with fresh random tokens (print one: sudo katar-sms token --role producer)"
  say "national numbers (0404 341 143) need \"defaultRegion\" there, e.g. \"DE\"; without it only E.164 (+61404341143) is taken"
fi
mkdir -p "$DATA_DIR"
chmod 0750 "$DATA_DIR"
own "$NAME:$NAME" "$DATA_DIR"

if [ -n "$DESTDIR" ]; then
  if command -v systemctl >/dev/null 2>&1; then
    systemctl --root="$DESTDIR" --quiet enable "$NAME.service" && say "enabled $NAME.service in $DESTDIR"
  fi
  say "done (staging root: nothing was started)"
  exit 0
fi

systemctl daemon-reload
udevadm control --reload || true
udevadm trigger --subsystem-match=tty --subsystem-match=usb --action=change || true
systemctl --quiet enable "$NAME.service"
if [ "$NO_START" = 1 ]; then
  say "enabled; start it with: sudo systemctl start $NAME"
else
  systemctl restart "$NAME.service"
  say "started; follow it with: journalctl -u $NAME -f"
fi
