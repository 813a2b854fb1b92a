#!/usr/bin/env bash
# install.sh — 村便民服务代办点软件 安装脚本 / installer for village-agent.
#
# Run from the checkout root (it also works from elsewhere: it changes to the
# directory it lives in). See `./install.sh --help`.
set -euo pipefail

# ---------------------------------------------------------------- messages --

usage() {
    cat <<'EOF'
村便民服务代办点软件 安装脚本
village-agent installer

用法 / Usage:
  ./install.sh                        联网安装（默认）
                                      Online install (default)
  ./install.sh --wheelhouse DIR       不联网，从 U 盘上的安装包目录 DIR 安装
                                      Offline install from the wheel folder DIR
  ./install.sh --make-wheelhouse DIR  联网下载全部安装包到 DIR，以便拷到 U 盘
                                      Download/build every wheel into DIR (for a USB stick)
  ./install.sh --skip-system ...      不安装系统软件包（同 VILLAGE_AGENT_SKIP_SYSTEM=1）
                                      Skip system (apt) packages
  ./install.sh --help                 显示本说明 / Show this help

默认安装会 / The default install:
  1. 检查系统软件包：Python 虚拟环境支持（python3-venv）和中文字体
     （fonts-noto-cjk，打印 PDF 需要）；缺少时用 apt-get 安装（需要 root 或 sudo）。
     Ensures system packages: Python venv support (python3-venv) and CJK fonts
     (fonts-noto-cjk, needed for PDF printing); missing ones are installed with
     apt-get (as root, or via sudo). Without apt a warning is printed and the
     Python part still runs.
  2. 在本目录创建 .venv（已存在则沿用，可重复运行）。
     Creates .venv in the checkout (kept if present; safe to re-run).
  3. 升级 pip，然后 pip install -e '.[dev]'。
     Upgrades pip, then runs pip install -e '.[dev]'.

离线安装 / Offline install (--wheelhouse DIR):
  只使用 DIR 里的文件，完全不联网（pip --no-index --find-links DIR）。
  DIR 必须由同一 Python 版本（例如 3.11）、同一种电脑（例如 x86_64 Linux）上的
  --make-wheelhouse 生成。如果 DIR/debs/ 里带有字体安装包，也会从那里安装字体。
  Uses only the files in DIR, never the network. DIR must have been made by
  --make-wheelhouse with the same Python minor version and the same kind of
  machine. Fonts are installed from DIR/debs/ when the .deb is there.

环境变量 / Environment variables:
  PYTHON=/path/to/python3   使用指定的 Python（默认 python3，需要 3.10 或更高）
                            Interpreter to use (default: python3; needs >= 3.10)
  VILLAGE_AGENT_SKIP_SYSTEM=1
                            跳过所有系统软件包（apt）步骤，测试时使用
                            Skip every system-package (apt) step; used by tests
                            (same as the option --skip-system)
EOF
}

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!  警告 / WARNING: %s\n' "$*" >&2; }
die() {
    printf '\nXX  安装失败 / Installation FAILED\nXX  %s\n' "$*" >&2
    exit 1
}

# ------------------------------------------------------------------- args --

MODE=online
WHEELHOUSE=""
SKIP_SYSTEM="${VILLAGE_AGENT_SKIP_SYSTEM:-0}"
case "$SKIP_SYSTEM" in 1 | true | yes) SKIP_SYSTEM=1 ;; *) SKIP_SYSTEM=0 ;; esac

set_mode() { # set_mode MODE DIR
    if [ "$MODE" != online ]; then
        die "--wheelhouse 和 --make-wheelhouse 只能选一个 / use only one of --wheelhouse and --make-wheelhouse"
    fi
    [ -n "$2" ] || die "$1 需要一个目录参数 / $1 needs a directory argument"
    MODE=$1
    WHEELHOUSE=$2
}

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --wheelhouse | --make-wheelhouse)
        [ $# -ge 2 ] || die "$1 需要一个目录参数 / $1 needs a directory argument"
        set_mode "${1#--}" "$2"
        shift 2
        ;;
    --wheelhouse=* | --make-wheelhouse=*)
        opt=${1%%=*}
        set_mode "${opt#--}" "${1#*=}"
        shift
        ;;
    --skip-system)
        SKIP_SYSTEM=1
        shift
        ;;
    *)
        die "未知参数 / unknown option: $1 （用法见 / see: ./install.sh --help）"
        ;;
    esac
done

# Resolve the wheelhouse path against the caller's directory before we cd.
if [ "$MODE" = wheelhouse ]; then
    [ -d "$WHEELHOUSE" ] || die "找不到离线安装包目录 / wheelhouse directory not found: $WHEELHOUSE"
    WHEELHOUSE=$(cd "$WHEELHOUSE" && pwd)
    compgen -G "$WHEELHOUSE/*.whl" >/dev/null ||
        die "目录里没有安装包（*.whl） / no wheels (*.whl) in $WHEELHOUSE — 请先用 --make-wheelhouse 生成 / make it with --make-wheelhouse first"
elif [ "$MODE" = make-wheelhouse ]; then
    mkdir -p "$WHEELHOUSE" || die "无法创建目录 / cannot create directory: $WHEELHOUSE"
    WHEELHOUSE=$(cd "$WHEELHOUSE" && pwd)
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
[ -f pyproject.toml ] || die "找不到 pyproject.toml，请在软件目录里运行 / pyproject.toml not found in $ROOT"
VENV="$ROOT/.venv"
SECONDS=0

# ------------------------------------------------------ system packages --

APT_UPDATED=0
FONT_PKG=fonts-noto-cjk

have() { command -v "$1" >/dev/null 2>&1; }

can_root() { [ "$(id -u)" = 0 ] || have sudo; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif [ -t 0 ]; then
        sudo "$@" # may ask for the password
    else
        sudo -n "$@" # no terminal: never hang on a password prompt
    fi
}

apt_install() { # apt_install PKG... ; returns non-zero (never exits) on failure
    if ! have apt-get; then
        warn "没有 apt-get，无法自动安装 $* / apt-get is not available; cannot install: $*"
        return 1
    fi
    if ! can_root; then
        warn "需要 root 或 sudo 才能安装 $* / need root or sudo to install: $*"
        return 1
    fi
    local apt_opts=(-q -o Acquire::Retries=1 -o Acquire::http::Timeout=30
        -o DPkg::Lock::Timeout=120)
    if [ "$APT_UPDATED" = 0 ]; then
        say "更新软件包列表 / apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update ||
            warn "apt-get update 失败（可能没有网络） / apt-get update failed (no network?)"
        APT_UPDATED=1
    fi
    say "安装系统软件包 / apt-get install: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y \
        --no-install-recommends "$@"
}

deb_installed() {
    have dpkg-query && dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

fonts_present() {
    deb_installed "$FONT_PKG" && return 0
    # Not a Debian package system: accept any Noto CJK font fontconfig knows.
    if ! have dpkg-query && have fc-list; then
        fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && return 0
    fi
    return 1
}

ensure_fonts() {
    if [ "$SKIP_SYSTEM" = 1 ]; then
        say "跳过系统软件包（VILLAGE_AGENT_SKIP_SYSTEM=1） / skipping system packages"
        return 0
    fi
    if fonts_present; then
        say "中文字体已安装 / CJK fonts already installed ($FONT_PKG)"
        return 0
    fi
    if [ "$MODE" = wheelhouse ]; then
        local deb
        deb=$(compgen -G "$WHEELHOUSE/debs/${FONT_PKG}_*.deb" | sort -V | tail -n 1 || true)
        if [ -n "$deb" ]; then
            if ! can_root || ! have dpkg; then
                warn "需要 root 或 sudo 才能安装中文字体 / need root (or sudo) and dpkg to install $deb"
            elif say "从 U 盘安装中文字体 / installing CJK fonts from $deb" &&
                as_root dpkg -i "$deb"; then
                return 0
            else
                warn "从安装包目录安装字体失败 / installing $deb failed"
            fi
        fi
    fi
    if ! apt_install "$FONT_PKG"; then
        warn "中文字体（$FONT_PKG）没有安装成功，打印 PDF 时中文可能显示不出来。软件的其余部分照常安装。" \
            "/ CJK fonts ($FONT_PKG) could not be installed; Chinese text in printed PDFs may be" \
            "missing. Continuing with the Python part."
    fi
    return 0
}

# The test suite's own tools: libfaketime runs a real village process with its clock
# set off (the clock-skew test); Debian's Chromium is the real browser the console's
# browser tests drive through Playwright (tests/browser.py; Playwright never downloads a
# browser of its own); Debian's PostgreSQL server, which the test session starts in a
# temporary folder (tests/pgserver.py) so the center's tests run on both backends (a county
# center's own server is the same package). Not needed to run a village point; a failure
# only warns.
TEST_PKGS=(faketime chromium postgresql)

ensure_test_tools() {
    [ "$SKIP_SYSTEM" = 1 ] && return 0
    [ "$MODE" = wheelhouse ] && return 0 # an offline village PC: the product only
    local missing=() pkg
    for pkg in "${TEST_PKGS[@]}"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    apt_install "${missing[@]}" ||
        warn "测试工具（${missing[*]}）没有安装成功，部分测试将失败 / test tools (${missing[*]}) could not be installed; some tests will fail"
    return 0
}

# ---------------------------------------------------------------- python --

pick_python() {
    PY=${PYTHON:-python3}
    if ! have "$PY"; then
        if [ -z "${PYTHON:-}" ] && [ "$SKIP_SYSTEM" = 0 ] && [ "$MODE" != wheelhouse ]; then
            warn "找不到 python3，尝试安装 / python3 not found, trying to install it"
            apt_install python3 python3-venv || true
        fi
        have "$PY" || die "找不到 Python（$PY）。请安装 Python 3.10 或更高版本，或设置 PYTHON=/path/to/python3" \
            "/ Python interpreter '$PY' not found. Install Python >= 3.10 or set PYTHON=/path/to/python3."
    fi
    PY=$(command -v "$PY")
    local ver
    ver=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) ||
        die "无法运行 Python / cannot run the Python interpreter: $PY"
    if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
        die "需要 Python 3.10 或更高版本，现在是 $ver（$PY）。请安装新版本，或设置 PYTHON=/path/to/python3.11" \
            "/ Python >= 3.10 is required, found $ver at $PY. Install a newer one or set PYTHON=/path/to/python3.11."
    fi
    PYVER=${ver%.*}
    PLATFORM=$("$PY" -c 'import sysconfig; print(sysconfig.get_platform())')
    say "使用 Python / using Python $ver: $PY"
}

# make_venv DIR: create a virtual environment with pip in it, or exit.
make_venv() {
    local dir=$1
    if "$PY" -m venv "$dir"; then
        return 0
    fi
    rm -rf "$dir"
    # Offline: no apt, but pip can bootstrap itself from its own wheel.
    local pipwhl=""
    if [ "$MODE" = wheelhouse ]; then
        pipwhl=$(compgen -G "$WHEELHOUSE/pip-*.whl" | sort -V | tail -n 1 || true)
    fi
    if [ -n "$pipwhl" ] && say "改用安装包目录里的 pip / bootstrapping pip from $pipwhl" &&
        "$PY" -m venv --without-pip "$dir" &&
        "$dir/bin/python" "$pipwhl/pip" install -q --no-index --find-links "$WHEELHOUSE" pip; then
        return 0
    fi
    rm -rf "$dir"
    # Debian/Ubuntu ship venv support (ensurepip) separately.
    if [ "$SKIP_SYSTEM" = 0 ] && [ "$MODE" != wheelhouse ]; then
        warn "无法创建虚拟环境，尝试安装 python3-venv / python -m venv failed; trying to install venv support"
        if { apt_install "python${PYVER}-venv" || apt_install python3-venv; } &&
            "$PY" -m venv "$dir"; then
            return 0
        fi
        rm -rf "$dir"
    fi
    die "无法创建 Python 虚拟环境。Debian/Ubuntu 上请先运行：sudo apt-get install python3-venv" \
        "/ could not create a virtual environment with $PY. On Debian/Ubuntu run: sudo apt-get install python3-venv"
}

venv_python_version() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

ensure_venv() {
    if [ -e "$VENV" ]; then
        local have_ver
        have_ver=$(venv_python_version || true)
        if [ "$have_ver" = "$PYVER" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
            say "虚拟环境已存在，继续使用 / reusing existing virtual environment: $VENV"
            return 0
        fi
        if [ -z "$have_ver" ]; then
            warn "虚拟环境 .venv 已损坏，重新创建 / .venv is broken; re-creating it"
        elif [ "$have_ver" != "$PYVER" ]; then
            warn ".venv 用的是 Python $have_ver，不是 $PYVER，重新创建 / .venv has Python $have_ver, not $PYVER; re-creating it"
        else
            warn ".venv 里没有 pip，重新创建 / .venv has no pip; re-creating it"
        fi
        rm -rf "$VENV"
    fi
    say "创建虚拟环境 / creating virtual environment: $VENV"
    make_venv "$VENV"
}

# --------------------------------------------------------------- modes --

wheelhouse_info_check() {
    local info="$WHEELHOUSE/wheelhouse-info.txt" whpy whplat
    [ -f "$info" ] || return 0
    whpy=$(sed -n 's/^python: *//p' "$info" | head -n 1)
    whplat=$(sed -n 's/^platform: *//p' "$info" | head -n 1)
    if [ -n "$whpy" ] && [ "$whpy" != "$PYVER" ]; then
        warn "安装包是为 Python $whpy 准备的，这台电脑用的是 Python $PYVER，可能装不上" \
            "/ the wheelhouse was made for Python $whpy but this Python is $PYVER; install may fail." \
            "Make it again with the same Python (PYTHON=python$PYVER ./install.sh --make-wheelhouse DIR)."
    fi
    if [ -n "$whplat" ] && [ "$whplat" != "$PLATFORM" ]; then
        warn "安装包是为 $whplat 准备的，这台电脑是 $PLATFORM / the wheelhouse was made for $whplat, this machine is $PLATFORM"
    fi
}

install_online() {
    local vpy="$VENV/bin/python"
    say "升级 pip / upgrading pip"
    "$vpy" -m pip install -q --upgrade pip ||
        warn "pip 升级失败（没有网络？）/ upgrading pip failed (no network?)"
    say "安装软件及其依赖 / pip install -e '.[dev]'"
    "$vpy" -m pip install -e '.[dev]' ||
        die "pip 安装失败。请检查网络；没有网络时请用 U 盘：./install.sh --wheelhouse DIR" \
            "/ pip install failed. Check the network; offline, use ./install.sh --wheelhouse DIR"
}

install_offline() {
    local vpy="$VENV/bin/python"
    local pipoff=(--no-index --find-links "$WHEELHOUSE")
    wheelhouse_info_check
    say "从安装包目录升级 pip、setuptools、wheel / upgrading pip, setuptools, wheel from $WHEELHOUSE"
    "$vpy" -m pip install -q "${pipoff[@]}" --upgrade pip setuptools wheel ||
        die "无法从安装包目录安装 pip/setuptools/wheel / cannot install pip, setuptools, wheel from $WHEELHOUSE"
    say "离线安装软件及其依赖（不联网） / offline: pip install --no-build-isolation -e '.[dev]'"
    if "$vpy" -m pip install "${pipoff[@]}" --no-build-isolation -e '.[dev]'; then
        return 0
    fi
    warn "可编辑安装失败，改用安装包目录里的软件包 / editable install failed; installing the project wheel from $WHEELHOUSE" \
        "(it holds the code as it was when the wheelhouse was made)"
    "$vpy" -m pip install "${pipoff[@]}" 'village-agent[dev]' ||
        die "离线安装失败：安装包目录不完整或与本机 Python 不匹配。请在联网电脑上重新运行 --make-wheelhouse" \
            "/ offline install failed: the wheelhouse is incomplete or does not match this Python." \
            "Re-make it with --make-wheelhouse on a connected machine with the same Python version."
}

# Copy the source (tracked + untracked, not ignored) to $1, without .venv etc.
copy_source() {
    local dest=$1
    mkdir -p "$dest"
    if have git && git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [ -f "$f" ]; then printf '%s\0' "$f"; fi
            done | tar --null -T - -cf - | tar -xf - -C "$dest"
    else
        tar --exclude=./.venv --exclude=./.git --exclude=./build --exclude=./dist \
            --exclude=./wheelhouse --exclude='*.egg-info' --exclude=__pycache__ \
            --exclude=.pytest_cache --exclude=.mypy_cache --exclude=.ruff_cache \
            --exclude=.hypothesis -cf - . | tar -xf - -C "$dest"
    fi
}

make_wheelhouse() {
    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/village-agent-wheelhouse.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    say "准备临时构建环境 / preparing a temporary build environment"
    make_venv "$tmp/venv"
    local vpy="$tmp/venv/bin/python"
    "$vpy" -m pip install -q --upgrade pip ||
        warn "pip 升级失败 / upgrading pip failed"
    copy_source "$tmp/src"
    rm -f "$WHEELHOUSE"/village_agent-*.whl
    say "下载并构建全部安装包到 / downloading and building all wheels into: $WHEELHOUSE"
    "$vpy" -m pip wheel --wheel-dir "$WHEELHOUSE" pip 'setuptools>=68' wheel "$tmp/src[dev]" ||
        die "下载安装包失败，请检查网络 / downloading wheels failed; check the network"

    local fontmsg="未下载（跳过系统软件包） / not downloaded (system packages skipped)"
    if [ "$SKIP_SYSTEM" = 0 ]; then
        if compgen -G "$WHEELHOUSE/debs/${FONT_PKG}_*.deb" >/dev/null; then
            fontmsg="已有 / already present"
        elif ! have apt-get; then
            fontmsg="未下载（没有 apt-get） / not downloaded (no apt-get)"
        else
            say "下载中文字体安装包 / downloading the CJK font package ($FONT_PKG)"
            mkdir -p "$WHEELHOUSE/debs"
            if ! (cd "$WHEELHOUSE/debs" && apt-get -q download "$FONT_PKG"); then
                if [ "$(id -u)" = 0 ]; then
                    apt-get -q update || true
                    APT_UPDATED=1
                fi
                (cd "$WHEELHOUSE/debs" && apt-get -q download "$FONT_PKG") || true
            fi
            if compgen -G "$WHEELHOUSE/debs/${FONT_PKG}_*.deb" >/dev/null; then
                fontmsg="已下载 / downloaded"
            else
                fontmsg="下载失败 / download FAILED"
                warn "中文字体安装包下载失败 / could not download $FONT_PKG"
            fi
        fi
    fi

    {
        echo "village-agent wheelhouse"
        echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "python: $PYVER"
        echo "platform: $PLATFORM"
        echo "usage: ./install.sh --wheelhouse DIR"
    } >"$WHEELHOUSE/wheelhouse-info.txt"

    local n size
    n=$(compgen -G "$WHEELHOUSE/*.whl" | wc -l)
    size=$(du -sh "$WHEELHOUSE" | cut -f1)
    echo
    say "安装包目录已准备好 / wheelhouse ready: $WHEELHOUSE"
    echo "    安装包 / wheels: $n 个, 总大小 / total size: $size"
    echo "    适用于 / for: Python $PYVER, $PLATFORM"
    echo "    中文字体 / CJK font .deb: $fontmsg"
    echo "    本项目 / project wheel: $(cd "$WHEELHOUSE" && compgen -G 'village_agent-*.whl' | tr '\n' ' ')"
    echo
    echo "    把整个目录拷到 U 盘，在村里的电脑上运行 / copy the whole folder to a USB stick, then run:"
    echo "        ./install.sh --wheelhouse /path/to/$(basename "$WHEELHOUSE")"
    echo
    say "完成，用时 ${SECONDS} 秒 / done in ${SECONDS} s"
}

# ----------------------------------------------------------------- main --

if [ "$MODE" = make-wheelhouse ]; then
    pick_python
    make_wheelhouse
    exit 0
fi

pick_python
ensure_fonts
ensure_test_tools
ensure_venv
if [ "$MODE" = wheelhouse ]; then
    install_offline
else
    install_online
fi
"$VENV/bin/python" -m pip check ||
    warn "依赖检查发现问题（见上） / pip check reported problems (see above)"
# Compile the program's own files once: every start then reads bytecode, even where the user
# running it may not write to this folder or PYTHONDONTWRITEBYTECODE is set (the packages pip
# installed are compiled already).
say "预编译程序文件 / byte-compiling the program"
"$VENV/bin/python" -m compileall -q -j 0 village_agent storage sync forms ||
    warn "预编译失败，程序照常可用，只是启动稍慢 / byte-compiling failed; the program works, it only starts a little slower"

echo
say "安装完成 / Installation complete（用时 / took ${SECONDS} s）"
if [ -x "$VENV/bin/village-agent" ]; then
    echo "    启动软件 / start the program:  $VENV/bin/village-agent"
fi
