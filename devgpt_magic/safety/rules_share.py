"""Rules for programs that open this machine to others or bring code from elsewhere: notebook servers, tunnels,
publishing packages, running packages fetched by name, and changing where packages come from."""

from __future__ import annotations

import json
import re

from .model import Cmd

#: Addresses that mean "every network interface", so anyone who can reach the machine can connect.
_ALL_INTERFACES = {"0.0.0.0", "*", "::", "[::]", "0", ""}


def _public_host(url: str) -> bool:
    """A plain-http URL to another machine: anyone on the way can change what it serves."""
    m = re.match(r"^http://([^/:]+)", url.strip().strip("'\""))
    return bool(m) and m.group(1) not in ("localhost", "127.0.0.1", "::1", "[::1]")


# --- notebook servers and tunnels -------------------------------------------------------------------------------

def jupyter(cmd: Cmd) -> None:
    """A Jupyter server runs any code its visitors send: with no token on every interface, anyone who can reach
    the machine controls it. ``jupyter execute``/``nbconvert --execute`` run a notebook's code unseen."""
    settings: dict[str, str] = {}
    args = cmd.argv[1:]
    for i, word in enumerate(args):
        name, eq, value = word.partition("=")
        key = name.lstrip("-").lower().split(".")[-1]
        if word.startswith("--") and eq:
            settings[key] = value.strip("'\"")
        elif word.startswith("--") and key in ("ip", "token", "password") and i + 1 < len(args):
            settings[key] = args[i + 1].strip("'\"")
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    sub = words[0] if words else ""
    if sub in ("execute", "run") or (sub == "nbconvert" and "--execute" in cmd.argv):
        cmd.add("caution", f"runs the code in {' '.join(words[1:2]) or 'a notebook'}, which is not shown here")
    if sub not in ("lab", "notebook", "server", "nbclassic", ""):
        return
    public = settings.get("ip") in _ALL_INTERFACES and "ip" in settings
    open_door = any(settings.get(k) == "" for k in ("token", "password")) or any(
        settings.get(k, "").lower() in ("true", "1") for k in ("disable_check_xsrf", "allow_origin_pat")) or \
        settings.get("allow_origin") == "*"
    if public and open_door:
        cmd.add("dangerous", "lets anyone on the network run code on this machine (Jupyter on every interface "
                             "without a token or password)")
    elif public:
        cmd.add("caution", "makes Jupyter reachable from the network (--ip)")
    elif open_door:
        cmd.add("caution", "turns off Jupyter's token or password, so any local program or web page can run code")
    if "--allow-root" in cmd.argv:
        cmd.add("caution", "runs Jupyter as root")


def tunnel(cmd: Cmd) -> None:
    """ngrok, cloudflared, localtunnel, bore, zrok, tailscale funnel: a local port on the public internet."""
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    name = cmd.name
    if name == "cloudflared" and not (words[:1] == ["tunnel"] and (cmd.values("--url") or words[1:2] == ["run"])):
        return
    if name == "tailscale":
        if words[:1] == ["funnel"] and words[1:2] != ["status"]:
            cmd.add("dangerous", "puts a local service on the public internet (tailscale funnel)")
        elif words[:1] == ["serve"] and words[1:2] != ["status"]:
            cmd.add("caution", "shares a local service with your tailnet (tailscale serve)")
        return
    if name == "ngrok" and (not words or words[0] in ("config", "version", "help", "update", "diagnose")):
        return
    if name in ("bore", "zrok") and words[:1] not in (["local"], ["share"]):
        return
    cmd.add("dangerous", f"puts a local service on the public internet ({name}), so anyone can reach it")


# --- publishing and running packages by name --------------------------------------------------------------------

#: program -> the subcommand words that publish (a package, image or release) to a public registry
_PUBLISH = {"npm": {"publish"}, "yarn": {"publish", "npm publish"}, "pnpm": {"publish"}, "bun": {"publish"},
            "twine": {"upload"}, "poetry": {"publish"}, "flit": {"publish"}, "hatch": {"publish"},
            "uv": {"publish"}, "cargo": {"publish"}, "gem": {"push"}, "docker": {"push"}, "mvn": {"deploy"},
            "gradle": {"publish"}, "pdm": {"publish"}, "dotnet": {"nuget push"}, "helm": {"push"}}


def publish(cmd: Cmd) -> None:
    """Publishing puts this folder's code (and anything secret in it) in front of everyone, for good."""
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    for verb in _PUBLISH.get(cmd.name, ()):
        if words[:len(verb.split())] == verb.split():
            dry = cmd.has("--dry-run", "-n") and cmd.name != "docker"
            if not dry:
                cmd.add("caution", f"publishes this package for everyone to download ({cmd.name} {verb})")
    if cmd.name == "npm" and words[:1] == ["unpublish"]:
        cmd.add("caution", "removes a published package version (npm unpublish)")


#: package.json scripts npm, yarn and pnpm run by themselves for a verb (install runs the lifecycle ones)
_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "prepublish")


def package_scripts(cmd: Cmd) -> None:
    """``echo '{"scripts": {"postinstall": "rm -rf ~"}}' > package.json && npm install``: a package.json written
    just before is read, and the scripts the verb runs are checked (lifecycle scripts, or ``run NAME``)."""
    written = cmd.check.written.get("package.json") or cmd.check.written.get("./package.json")
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    if written is None or cmd.name not in ("npm", "yarn", "pnpm", "bun"):
        return
    try:
        scripts = json.loads(written).get("scripts") or {}
    except (ValueError, AttributeError):
        cmd.add("caution", f"{cmd.name} reads a package.json written just before, which could not be read here")
        return
    verb = words[0] if words else "install"
    names = [words[1]] if verb in ("run", "run-script") and len(words) > 1 else (
        list(_LIFECYCLE) if verb in ("install", "i", "ci", "add") else [verb])
    for name in names:
        if isinstance(scripts.get(name), str):
            cmd.check.text(scripts[name], suffix=f" (the {name} script of package.json, written just before)")


def runs_package(cmd: Cmd) -> None:
    """``npx pkg``, ``pnpm dlx``, ``uvx``, ``pipx run``: downloads a package by name and runs it, unseen."""
    package_scripts(cmd)
    name, words = cmd.name, [w for w in cmd.argv[1:] if not w.startswith("-")]
    if name in ("npm", "pnpm", "yarn", "pipx", "uv", "bun"):
        verbs = {"npm": ("exec", "x"), "pnpm": ("dlx",), "yarn": ("dlx",), "pipx": ("run",), "uv": ("tool",),
                 "bun": ("x",)}
        if not words or words[0] not in verbs[name]:
            return
        words = words[2:] if name == "uv" and words[1:2] == ["run"] else words[1:]
    for text in cmd.values("-c", "--call"):
        cmd.check.text(text)
    package = next((w for w in words), "")
    if package and not cmd.values("-c", "--call"):
        cmd.add("caution", f"downloads and runs the package {package} if it is not installed ({cmd.argv[0]})")


def deno(cmd: Cmd) -> None:
    """``deno run URL`` runs code fetched from the network; with ``-A`` it may do anything (as ``curl | sh``)."""
    words = cmd.argv[1:]
    if words[:1] not in (["run"], ["install"], ["x"]):
        return
    url = next((w for w in words[1:] if re.match(r"^(https?|npm|jsr):", w)), "")
    broad = any(w in ("-A", "--allow-all") or w.startswith(("--allow-run", "--allow-write", "--allow-ffi"))
                for w in words)
    if url.startswith("http") and broad:
        cmd.add("dangerous", f"downloads a program and runs it with full access ({url})")
    elif url:
        cmd.add("caution", f"downloads and runs {url}")


# --- where packages come from -----------------------------------------------------------------------------------

#: setting names that decide where packages are downloaded from
_SOURCE_KEYS = re.compile(r"(^|\.)(index-url|extra-index-url|find-links|trusted-host|registry|@[\w-]+:registry|"
                          r"channels|default_channels|index|proxy|https-proxy|strict-ssl|cert)$", re.I)
_SOURCE_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--registry",
                   "--index", "--default-index", "-c", "--channel")


def package_sources(cmd: Cmd) -> None:
    """Changing where pip/npm/conda/gem fetch packages: every later install runs code from there. Saved in the
    configuration and plain http (anyone on the way can swap the packages), it is dangerous."""
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    config = words[:2] in (["config", "set"], ["config", "add"]) or words[:1] == ["set"] or \
        (cmd.name == "conda" and words[:1] == ["config"]) or (cmd.name == "gem" and words[:1] == ["sources"])
    if config:
        rest = words[2:] if words[:1] == ["config"] and cmd.name != "conda" else words[1:]
        key = next((w for w in rest if _SOURCE_KEYS.search(w.split("=", 1)[0])), None)
        keys = [o for o in ("--add", "--append", "--prepend", "--set") if o in cmd.argv]
        value = next((w.split("=", 1)[1] for w in rest if "=" in w), rest[-1] if rest else "")
        if cmd.name == "gem" and cmd.values("--add", "-a"):
            key, value = "sources", cmd.values("--add", "-a")[0]
        elif cmd.name == "conda" and keys:
            key = key or "channels"
        if key and key.endswith("strict-ssl") and value.lower() == "false":
            cmd.add("dangerous", f"makes {cmd.name} stop checking certificates for every download, so anyone on "
                                 "the way can change the packages")
        elif key and _public_host(value):
            cmd.add("dangerous", f"makes {cmd.name} download every package from {value} over plain http, "
                                 "where anyone on the way can change them")
        elif key:
            cmd.add("caution", f"changes where {cmd.name} downloads packages from ({key} {value})")
        return
    for value in cmd.values(*_SOURCE_OPTIONS):
        if cmd.name == "conda" and not value.startswith(("http", "file")):
            continue
        cmd.add("caution", f"installs packages from another source ({value})")
