"""Rules for databases, network tools, archives and transfers, processes, packages and system administration."""

from __future__ import annotations

import re
import shlex

from .model import Cmd, Source
from .paths import BLOCK_DEVICE, critical_target, important_file, secret, system_path
from .programs import INTERPRETERS, SHELLS, program_name
from .wrappers import ssh_option_texts

_BENIGN_TRANSPORTS = {"ssh", "rsh", "sshpass", "gzip", "pigz", "zstd", "xz", "bzip2", "pbzip2", "lz4", "lzma",
                      "lzip", "lzop", "brotli", "pixz", "cat", "less", "more", "most", "bat", "unzip", "zcat"}


def _runs_option(cmd: Cmd, option: str, text: str) -> None:
    """An option whose value is a command (``rsync -e``, ``tar --to-command``): benign transports pass quietly."""
    words = text.split()
    if not words:
        return
    if program_name(words[0]) in _BENIGN_TRANSPORTS and not re.search(r"[;&|`$<>]", text):
        cmd.check.text(text)
        return
    cmd.add("caution", f"runs the command given to {option}")
    cmd.check.text(text)


# --- databases ------------------------------------------------------------------------------------------------

_SQL_DROP = re.compile(r"^\s*DROP\s+(DATABASE|SCHEMA|TABLE|OWNED|TABLESPACE|COLLECTION)\b", re.I)
_SQL_DROP_OTHER = re.compile(r"^\s*DROP\s+(USER|ROLE|VIEW|INDEX|EXTENSION|FUNCTION|TRIGGER|SEQUENCE)\b", re.I)
_SQL_TRUNCATE = re.compile(r"^\s*TRUNCATE\b", re.I)
_SQL_DELETE = re.compile(r"^\s*DELETE\s+FROM\s+([\w.\"`\[\]]+)(.*)$", re.I | re.S)
_SQL_UPDATE = re.compile(r"^\s*UPDATE\s+([\w.\"`\[\]]+)\s+SET\b(.*)$", re.I | re.S)
_WHERE = re.compile(r"\bWHERE\b(.*)", re.I | re.S)
_TRIVIAL_WHERE = re.compile(r"^\s*(1\s*=\s*1|true|1|'1'\s*=\s*'1')\s*(;|$)", re.I)


def sql_text(cmd: Cmd, sql: str) -> None:
    """Judge SQL statements (and the client commands that run shell text: ``\\!``, ``.shell``, ``system``)."""
    for line in sql.splitlines():
        s = line.strip()
        m = re.match(r"^(?:\\!|\.shell|\.system|system|\\system)\s+(.*)$", s)
        if m:
            cmd.add("caution", "runs a shell command from the database client")
            cmd.check.text(m.group(1))
        _dot_command(cmd, s)
        m = re.match(r"^\\o(?:ut)?\s+(\S.*)$", s)
        if m:  # psql \o FILE, \o |CMD
            target = m.group(1).strip()
            if target.startswith("|"):
                cmd.add("caution", "runs a shell command from the database client (\\o |)")
                cmd.check.text(target[1:])
            else:
                cmd.check.write(cmd, target.strip("'\""), append=False)
    for m in re.finditer(r"\b(?:TO|FROM)\s+PROGRAM\s+'((?:[^']|'')*)'", sql, re.I):
        cmd.add("caution", "makes the database server run a shell command (COPY ... PROGRAM)")
        cmd.check.text(m.group(1).replace("''", "'"))
    for statement in re.split(r";", sql):
        s = " ".join(statement.split())
        if not s:
            continue
        if _SQL_DROP.match(s):
            cmd.add("dangerous", f"deletes a database or table and all its data ({s[:60]})")
        elif _SQL_DROP_OTHER.match(s):
            cmd.add("caution", f"drops a database object ({s[:60]})")
        elif _SQL_TRUNCATE.match(s):
            cmd.add("dangerous", f"empties a table ({s[:60]})")
        elif (m := _SQL_DELETE.match(s)) is not None:
            where = _WHERE.search(m.group(2))
            if where is None or _TRIVIAL_WHERE.match(where.group(1)):
                cmd.add("dangerous", f"deletes every row of {m.group(1)} (DELETE without a real WHERE)")
            else:
                cmd.add("caution", f"deletes rows from {m.group(1)}")
        elif (m := _SQL_UPDATE.match(s)) is not None:
            where = _WHERE.search(m.group(2))
            if where is None or _TRIVIAL_WHERE.match(where.group(1)):
                cmd.add("dangerous", f"changes every row of {m.group(1)} (UPDATE without a real WHERE)")
            else:
                cmd.add("caution", f"changes rows in {m.group(1)}")
        elif re.match(r"^\s*(ALTER|GRANT|REVOKE|INSERT|REPLACE|MERGE|RENAME|REINDEX|VACUUM\s+FULL|CREATE\s+USER|"
                      r"CREATE\s+ROLE|SET\s+GLOBAL|FLUSH|SHUTDOWN|KILL|LOAD|ATTACH|DETACH)\b", s, re.I):
            cmd.add("caution", f"changes the database ({s[:40]})")
        m = re.search(r"\b(?:VACUUM\s+(?:\w+\s+)?INTO|ATTACH\s+(?:DATABASE\s+)?)\s*'([^']+)'", s, re.I)
        if m and (important_file(m.group(1), cmd.where) or system_path(m.group(1), cmd.where)):
            cmd.check.write(cmd, m.group(1), append=False)
        m = re.search(r"^\\?COPY\b.*\bTO\s+(?!PROGRAM\b|STDOUT\b)'([^']+)'", s, re.I)
        if m:
            cmd.check.write(cmd, m.group(1), append=False)
        if re.search(r"\bINTO\s+(OUT|DUMP)FILE\s+'([^']+)'", s, re.I):
            target = re.search(r"\bINTO\s+(?:OUT|DUMP)FILE\s+'([^']+)'", s, re.I).group(1)
            cmd.check.write(cmd, target, append=False)


def _dot_command(cmd: Cmd, line: str) -> None:
    """sqlite3/duckdb dot commands: ``.output FILE`` and ``.once FILE`` write FILE (``|CMD`` runs CMD),
    ``.read``/``.import`` with ``|CMD`` run CMD, ``.load`` loads native code."""
    m = re.match(r"^\.(output|once|log|save|backup|excel|read|import|load)\b\s*(?:-\S+\s+)*(.*)$", line)
    if not m:
        return
    verb, rest = m.group(1), m.group(2).strip()
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    target = words[0] if words else ""
    if target.startswith("|"):
        cmd.add("caution", f"runs a shell command from the database client (.{verb} |)")
        cmd.check.text(rest[1:] if rest.startswith("|") else target[1:])
    elif verb == "load":
        cmd.add("caution", f"loads the native extension {target}, which runs its code")
    elif verb == "read" and target:
        cmd.add("caution", f"runs the SQL in {target}, which cannot be checked")
    elif verb in ("output", "once", "log", "save", "backup", "excel") and target and target not in ("stdout", "off"):
        cmd.check.write(cmd, target, append=False)


_SQL_CLIENTS = {
    "psql": (("-c", "--command"), ("-f", "--file")),
    "mysql": (("-e", "--execute"), ()),
    "clickhouse-client": (("-q", "--query"), ("--queries-file",)),
    "sqlcmd": (("-Q", "-q"), ("-i",)),
    "cockroach": (("-e", "--execute"), ("-f", "--file")),
    "duckdb": (("-c", "-cmd"), ()),
    "sqlite3": (("-cmd",), ("-init",)),
    "snowsql": (("-q", "--query"), ("-f", "--filename")),
    "bq": ((), ()),
    "trino": (("--execute",), ("-f", "--file")),
    "mysqlsh": (("-e", "--execute", "--sql"), ("-f", "--file")),
}


def sql_client(cmd: Cmd) -> None:
    text_opts, file_opts = _SQL_CLIENTS.get(cmd.name, ((), ()))
    texts = cmd.values(*text_opts) if text_opts else []
    files = cmd.values(*file_opts) if file_opts else []
    if cmd.name in ("sqlite3", "duckdb"):
        ops = cmd.operands_skipping({"-cmd", "-init", "-separator", "-newline", "-nullvalue", "-c"})
        texts += ops[1:]
    if cmd.name == "bq":
        words = cmd.positional({"--project_id", "--location", "--format"})
        if words[:1] == ["query"]:
            texts += words[1:]
        elif words[:1] == ["rm"]:
            cmd.add("dangerous" if cmd.has("-r", "--recursive", "-f", "--force") else "caution",
                    "deletes a BigQuery dataset or table (bq rm)")
    for t in texts:
        sql_text(cmd, t)
    for f in files:
        cmd.add("caution", f"runs the SQL in {f}, which cannot be checked")
    if not texts and not files and cmd.stdin is not None:
        if cmd.stdin.texts:
            sql_text(cmd, "\n".join(cmd.stdin.texts))
        if cmd.stdin.unknown:
            what = f"the file {cmd.stdin.file}" if cmd.stdin.file else "a pipe"
            cmd.add("caution", f"runs SQL read from {what}, which cannot be checked")
        if cmd.stdin.downloads:
            cmd.add("dangerous", "runs SQL downloaded from the network")


def dropdb(cmd: Cmd) -> None:
    if cmd.name == "mysqladmin":
        if any(w.lower() == "drop" for w in cmd.operands):
            cmd.add("dangerous", "deletes a database and all its data (mysqladmin drop)")
        elif any(w.lower() in ("shutdown", "kill", "flush-privileges", "password") for w in cmd.operands):
            cmd.add("caution", "changes or stops the database server (mysqladmin)")
        return
    cmd.add("dangerous", f"deletes a database and all its data ({cmd.name})")


_REDIS_VALUE = {"-h", "-p", "-a", "-n", "-s", "-u", "--user", "--pass", "-r", "-i", "-d", "--tls", "--cacert",
                "--cert", "--key", "--eval"}


def redis(cmd: Cmd) -> None:
    words = cmd.positional(_REDIS_VALUE)
    lines = [" ".join(words)] if words else []
    if not words and cmd.stdin is not None:
        lines = [line for t in cmd.stdin.texts for line in t.splitlines()]
        if cmd.stdin.unknown and not cmd.stdin.texts:
            cmd.add("caution", "runs redis commands read from a pipe, which cannot be checked")
    for line in lines:
        parts = line.split()
        verb = parts[0].upper() if parts else ""
        if verb in ("FLUSHALL", "FLUSHDB"):
            cmd.add("dangerous", f"deletes every key in the redis database ({verb})")
        elif verb in ("DEL", "UNLINK", "SHUTDOWN", "SWAPDB", "MIGRATE", "DEBUG", "SLAVEOF", "REPLICAOF", "MODULE"):
            cmd.add("caution", f"changes or stops the redis server ({verb})")
        elif verb == "CONFIG" and len(parts) > 1 and parts[1].upper() == "SET":
            cmd.add("caution", "changes the redis server's configuration (CONFIG SET)")
        elif verb in ("EVAL", "EVALSHA", "FUNCTION", "SCRIPT"):
            cmd.add("caution", "runs a script inside redis")
    if cmd.fed and words and words[0].upper() in ("DEL", "UNLINK"):
        cmd.add("caution", f"deletes whatever keys {cmd.fed} feeds it")


_MONGO_DANGER = re.compile(r"dropDatabase\s*\(|\.drop\s*\(|deleteMany\s*\(\s*\{\s*\}|remove\s*\(\s*\{\s*\}|"
                           r"dropAllUsers|dropAllRoles|\.drop\b")
_MONGO_CAUTION = re.compile(r"deleteMany|deleteOne|remove\s*\(|updateMany|replaceOne|findOneAndDelete|dropIndex|"
                            r"shutdownServer|adminCommand|renameCollection")


def mongo(cmd: Cmd) -> None:
    codes = cmd.values("--eval", "-e")
    ops = cmd.operands_skipping({"--eval", "-e", "--host", "--port", "-u", "--username", "-p", "--password",
                                 "--authenticationDatabase", "--file", "-f"})
    if cmd.stdin is not None and cmd.stdin.texts and not codes:
        codes = list(cmd.stdin.texts)
    for code in codes:
        if _MONGO_DANGER.search(code):
            cmd.add("dangerous", "deletes a MongoDB database, collection or all its documents")
        elif _MONGO_CAUTION.search(code):
            cmd.add("caution", "changes or deletes MongoDB documents")
    for f in cmd.values("--file", "-f") + [o for o in ops[1:] if o.endswith(".js")]:
        cmd.add("caution", f"runs the MongoDB script {f}, which cannot be checked")


# --- network tools --------------------------------------------------------------------------------------------

def _host_of(url: str) -> str:
    m = re.match(r"^[a-z]+://([^/:@]+@)?([^/:]+)", url)
    return m.group(2) if m else url


_CURL_VALUE = {"-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii", "--json", "-F",
               "--form", "-T", "--upload-file", "-o", "--output", "-H", "--header", "-X", "--request", "-u", "--user",
               "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-x", "--proxy",
               "-m", "--max-time", "--connect-timeout", "-w", "--write-out", "-K", "--config", "--retry", "-r",
               "--range", "-E", "--cert", "--key", "--cacert", "--resolve", "-Y", "-y", "-z", "--limit-rate"}


def curl(cmd: Cmd) -> None:
    data_opts = ("-d", "--data", "--data-binary", "--data-urlencode", "--data-ascii", "--json")
    files: list[str] = []
    for v in cmd.values(*data_opts):
        if v.startswith("@"):
            files.append(v[1:])
        elif "=@" in v:
            files.append(v.split("=@", 1)[1])
    for v in cmd.values("--data-urlencode"):  # name@file reads the file too
        m = re.match(r"^[^=@]+@(.+)$", v)
        if m:
            files.append(m.group(1))
    for v in cmd.values("-F", "--form"):
        m = re.search(r"=[@<]([^;]+)", v)
        if m:
            files.append(m.group(1))
    files += cmd.values("-T", "--upload-file")
    files += [v for k in ("--post-file", "--body-file") for v in cmd.values(k)]
    plain = cmd.operands_skipping(_CURL_VALUE) if cmd.name == "curl" else cmd.operands
    urls = [w for w in plain if re.match(r"^[a-z]+://", w)] or [w for w in plain if "." in w and "=" not in w]
    host = _host_of(urls[0]) if urls else "a server"
    for f in files:
        if f in ("-", "/dev/stdin", "."):
            src = cmd.stdin or Source()
            if src.secrets:
                cmd.add("dangerous", f"sends {src.secrets[0]} to {host}")
            elif src.env:
                cmd.add("dangerous", f"sends your environment variables (which often hold keys and tokens) to {host}")
            continue
        what = secret(f, cmd.where)
        if what:
            cmd.add("dangerous", f"sends {what} to {host}")
        else:
            cmd.add("caution", f"uploads {f} to {host}")
    for url in cmd.operands:
        if url.startswith("file://"):
            what = secret(url[7:], cmd.where)
            if what:
                cmd.add("caution", f"reads {what}")
    outputs = cmd.values("-o", "--output") if cmd.name == "curl" else cmd.values("-O", "--output-document")
    for out in outputs:
        cmd.check.downloaded.add(out)
        cmd.check.downloaded.add("./" + out if not out.startswith(("/", "./", "~")) else out)
        if out not in ("-", "/dev/stdout", "/dev/null"):
            from .paths import important_file, system_path

            if important_file(out, cmd.where) or system_path(out, cmd.where):
                cmd.check.write(cmd, out, append=False, content=Source(downloads=True, unknown=True))
    remote_name = cmd.name == "curl" and (cmd.has("-O", "--remote-name", "--remote-name-all"))
    if (cmd.name == "wget" and not outputs) or remote_name:
        folders = cmd.values("--output-dir") if cmd.name == "curl" else cmd.values("-P", "--directory-prefix")
        for url in cmd.operands:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            if name and "://" in url:
                cmd.check.downloaded.update({name, "./" + name})
                if folders:  # curl --output-dir ~/.ssh -O .../authorized_keys
                    writes_important(cmd, folders[-1].rstrip("/") + "/" + name, Source(downloads=True, unknown=True))
    if cmd.name == "wget":
        for v in cmd.values("-e", "--execute"):
            if v.lower().startswith(("post_file", "body_file")):
                cmd.add("caution", "uploads a file through a wget setting")


def netcat(cmd: Cmd) -> None:
    runs = cmd.values("-e", "-c", "--exec", "--sh-exec", "--lua-exec")
    for r in runs:
        words = r.split()
        name = program_name(words[0]) if words else ""
        if name in SHELLS or name in INTERPRETERS or not words:
            cmd.add("dangerous", f"gives whoever connects a shell on this machine ({cmd.name} -e {r})")
        else:
            cmd.add("caution", f"runs {r} for whoever connects ({cmd.name} -e)")
            cmd.check.text(r)
    if cmd.has("-l", "--listen") and not runs:
        cmd.add("caution", "listens for connections from the network")


def socat(cmd: Cmd) -> None:
    addresses = [a for a in cmd.operands]
    runs_shell = False
    network = False
    leaked: list[str] = []
    for a in addresses:
        kind, _, rest = a.partition(":")
        k = kind.lower()
        if k in ("exec", "system"):
            text = rest.split(",", 1)[0].strip("'\"")
            name = program_name(text.split()[0]) if text.split() else ""
            runs_shell = runs_shell or name in SHELLS or name in INTERPRETERS
            cmd.check.text(text)
        elif k.startswith(("tcp", "udp", "openssl", "ssl", "sctp", "socks", "proxy", "dccp")):
            network = True
        elif k in ("file", "open", "gopen", "create", "read") or (not _ and "/" in a):
            what = secret(rest.split(",", 1)[0] if _ else a, cmd.where)
            if what:
                leaked.append(what)
    listens = any(a.lower().startswith(("tcp-listen", "tcp4-listen", "tcp6-listen", "udp-listen", "openssl-listen"))
                  for a in addresses)
    sockets = sum(a.lower().startswith(("tcp", "udp", "openssl", "unix")) for a in addresses)
    if listens and not runs_shell and sockets > 1:
        cmd.add("dangerous", "opens a port to the network that leads to another service (socat), so anyone who can "
                             "reach this machine gets through")
    if runs_shell and network:
        cmd.add("dangerous", "connects a shell to the network (socat exec), giving another machine control")
    elif runs_shell:
        cmd.add("caution", "runs a shell through socat")
    if leaked and network:
        cmd.add("dangerous", f"sends {leaked[0]} to another machine")


def mailer(cmd: Cmd) -> None:
    for f in cmd.values("-A", "-a", "--attach"):
        what = secret(f, cmd.where)
        if what:
            cmd.add("dangerous", f"sends {what} by mail")


def _remote(word: str) -> bool:
    return bool(re.match(r"^([\w.@-]+|\[[0-9a-f:]+\]):(?!//)", word)) or word.startswith(
        ("rsync://", "scp://", "sftp://"))


def scp(cmd: Cmd) -> None:
    for text in cmd.values("-S"):
        _runs_option(cmd, "scp -S", text)
    for value in cmd.values("-o"):
        for key, text in ssh_option_texts(value):
            cmd.add("caution", f"runs a local command through an ssh option ({key})")
            cmd.check.text(text)
    ops = cmd.operands_skipping({"-S", "-o", "-i", "-P", "-F", "-c", "-J", "-l", "-D", "-X"})
    if len(ops) >= 2 and _remote(ops[-1]):
        leaked = [s for s in (secret(w, cmd.where) for w in ops[:-1]) if s]
        if leaked:
            cmd.add("dangerous", f"sends {leaked[0]} to another machine ({ops[-1].split(':')[0]})")


def rsync(cmd: Cmd) -> None:
    for text in cmd.values("-e", "--rsh"):
        _runs_option(cmd, "rsync -e", text)
    for text in cmd.values("--rsync-path"):
        _runs_option(cmd, "rsync --rsync-path", text)
    ops = cmd.operands_skipping({"-e", "--rsh", "--rsync-path", "--exclude", "--include", "--filter", "-f",
                                 "--exclude-from", "--include-from", "--files-from", "-T", "--temp-dir",
                                 "--partial-dir", "--backup-dir", "--suffix", "--chmod", "--chown", "--bwlimit",
                                 "--timeout", "--port", "--password-file", "--log-file", "-M", "--remote-option"})
    deletes = any(w.startswith("--delete") or w.startswith("--del") for w in cmd.argv[1:])
    if deletes:
        cmd.add("caution", "deletes files at the destination that are not in the source")
        if len(ops) >= 2:
            why = critical_target(ops[-1], cmd.where)
            if why:
                cmd.add("dangerous", f"deletes everything in {why} that is not in the source (rsync --delete)")
    if cmd.has("--remove-source-files"):
        cmd.add("caution", "deletes the source files after copying them")
    if len(ops) >= 2 and _remote(ops[-1]):
        leaked = [s for s in (secret(w, cmd.where) for w in ops[:-1]) if s]
        if leaked:
            cmd.add("dangerous", f"sends {leaked[0]} to another machine ({ops[-1].split(':')[0]})")
    elif len(ops) >= 2:  # a local destination: the same as cp onto it
        dest = ops[-1]
        from .rules_files import contents_into_home

        contents_into_home(cmd, [s for s in ops[:-1] if s.endswith("/")], dest)
        for target in [dest] + [dest.rstrip("/") + "/" + s.rstrip("/").rsplit("/", 1)[-1] for s in ops[:-1]]:
            if important_file(target, cmd.where) or system_path(target, cmd.where):
                cmd.check.write(cmd, target, append=False)
                break


def sftp(cmd: Cmd) -> None:
    for value in cmd.values("-o"):
        for key, text in ssh_option_texts(value):
            cmd.add("caution", f"runs a local command through an ssh option ({key})")
            cmd.check.text(text)
    for text in cmd.values("-S"):
        _runs_option(cmd, "sftp -S", text)
    if cmd.stdin is not None:
        for t in cmd.stdin.texts:
            for m in re.finditer(r"^\s*m?put\s+(\S+)", t, re.M):
                what = secret(m.group(1), cmd.where)
                if what:
                    cmd.add("dangerous", f"sends {what} to another machine")


# --- archives ---------------------------------------------------------------------------------------------------

def tar(cmd: Cmd) -> None:
    for text in cmd.values("--to-command", "--rsh-command", "--rmt-command"):
        cmd.add("caution", "runs a command for every file in the archive (tar --to-command)")
        cmd.check.text(text)
    for action in cmd.values("--checkpoint-action"):
        if action.startswith(("exec=", "exec ")):
            cmd.add("caution", "runs a command while archiving (tar --checkpoint-action=exec)")
            cmd.check.text(action[5:])
    for text in cmd.values("-I", "--use-compress-program"):
        _runs_option(cmd, "tar --use-compress-program", text)
    for script in cmd.values("-F", "--info-script", "--new-volume-script"):
        cmd.add("caution", f"runs the script {script} while archiving")
        cmd.check.text(script)
    first = cmd.argv[1] if len(cmd.argv) > 1 else ""
    bundle = first if first and not first.startswith("-") else ""
    letters = set(bundle) | {f[1:] for f in cmd.flags if len(f) == 2}
    creating = "c" in letters or "r" in letters or "u" in letters or cmd.has("--create", "--append")
    extracting = "x" in letters or cmd.has("--extract", "--get")
    if cmd.has("--remove-files"):
        cmd.add("caution", "deletes the files after adding them to the archive (--remove-files)")
    archive = cmd.values("-f", "--file")
    for i, word in enumerate(cmd.argv[1:], start=1):
        if archive:
            break
        if re.fullmatch(r"-?[A-Za-z]*f[A-Za-z]*", word) and not word.startswith("--") and (i == 1 or word[0] == "-"):
            tail = word.split("f", 1)[1]
            archive = [tail] if tail and word[0] == "-" and not tail.isalpha() else cmd.argv[i + 1:i + 2]
    for a in archive:
        if BLOCK_DEVICE.match(a) and creating:
            cmd.add("dangerous", f"writes an archive straight onto the disk device {a}")
        elif creating and a not in ("-", ""):
            writes_important(cmd, a)
    if extracting:
        unpacks(cmd, (cmd.values("-C", "--directory") or [None])[-1])
        if cmd.has("-P", "--absolute-names"):
            cmd.add("caution", "keeps absolute paths from the archive, so it can write anywhere (tar -P)")


def unpacks(cmd: Cmd, folder: str | None) -> None:
    """An archive unpacked into ``folder`` (None: here): its files may replace files already there, so at least
    caution; over ``/`` it replaces system files."""
    why = critical_target(folder, cmd.where) if folder else None
    if folder is not None and folder.strip().rstrip("/") == "":
        cmd.add("dangerous", "unpacks over the whole file system (/), replacing system files")
    elif why and folder not in (".", "./"):
        cmd.add("caution", f"unpacks into {why}")
    cmd.add("caution", f"unpacks an archive, which may replace files {'in ' + folder if folder else 'here'}")


def zip_(cmd: Cmd) -> None:
    for text in cmd.values("-TT", "--unzip-command"):
        cmd.add("caution", "runs a command to test the archive (zip -TT)")
        cmd.check.text(text)


def unzip(cmd: Cmd) -> None:
    if cmd.has("-l", "-t", "-v", "-Z", "-p", "-c", "-z"):
        return
    unpacks(cmd, (cmd.values("-d") or [None])[-1])


def sevenzip(cmd: Cmd) -> None:
    """``7z x ARCHIVE -oFOLDER``: unpacking (``-y`` answers yes to every overwrite)."""
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    if words[:1] in (["x"], ["e"]):
        unpacks(cmd, next((w[2:] for w in cmd.argv if w.startswith("-o")), None))


def sort_(cmd: Cmd) -> None:
    for text in cmd.values("--compress-program"):
        _runs_option(cmd, "sort --compress-program", text)
    for out in cmd.values("-o", "--output"):
        cmd.check.write(cmd, out, append=False)


def man(cmd: Cmd) -> None:
    for text in cmd.values("-P", "--pager", "-H", "--html"):
        _runs_option(cmd, "man --pager", text)


# --- processes and power --------------------------------------------------------------------------------------

def kill(cmd: Cmd) -> None:
    if cmd.name in ("killall", "pkill", "killall5"):
        cmd.add("dangerous", f"kills every process matching a name ({cmd.name})")
        return
    words = cmd.argv[1:]
    if any(w in ("-9", "-KILL", "-SIGKILL") for w in words) or any(
            w in ("-s", "-n", "--signal") and i + 1 < len(words) and words[i + 1].upper() in ("9", "KILL", "SIGKILL")
            for i, w in enumerate(words)):
        cmd.add("dangerous", "kills processes without letting them clean up (kill -9)")
    elif "-1" in cmd.operands or any(w == "-1" for w in words[1:]) or "1" in cmd.operands:
        cmd.add("dangerous", "kills every process you can, or the init process")
    else:
        cmd.add("caution", "stops processes")


def power(cmd: Cmd) -> None:
    if cmd.name in ("init", "telinit") and not any(a in ("0", "6", "1", "s", "S") for a in cmd.argv[1:2]):
        return
    if cmd.name == "shutdown" and cmd.has("-c"):
        return
    cmd.add("dangerous", "shuts down or restarts the machine")


_CORE_UNITS = re.compile(r"^(sshd?|networking|NetworkManager|systemd-\w+|dbus|network|firewalld|ufw|auditd|"
                         r"apparmor|docker|containerd|kubelet|getty@.*|cron|crond|rsyslog|polkit|gdm|lightdm)"
                         r"(\.service)?$")


def systemctl(cmd: Cmd) -> None:
    words = cmd.positional({"-H", "--host", "-M", "--machine", "-t", "--type", "-p", "--property", "-s", "--signal"})
    if not words:
        return
    verb, units = words[0], words[1:]
    if verb in ("poweroff", "reboot", "halt", "kexec", "emergency", "rescue", "suspend", "hibernate") or (
            verb == "isolate" and any(u.startswith(("rescue", "emergency", "poweroff", "reboot", "halt"))
                                      for u in units)):
        cmd.add("dangerous", "shuts down, restarts or cuts off the machine")
    elif verb in ("stop", "disable", "mask", "kill") and any(_CORE_UNITS.match(u) for u in units):
        cmd.add("caution", f"stops a service the machine depends on ({' '.join(units)}); you may lose access")
    elif verb in ("enable", "link", "preset") or (verb == "start" and cmd.has("--user")):
        cmd.add("caution", f"makes a service start by itself ({' '.join(units)})")
    elif verb in ("stop", "disable", "mask", "restart", "kill", "daemon-reload", "set-default"):
        cmd.add("caution", f"changes running services (systemctl {verb})")


_ESSENTIAL = re.compile(r"^(libc6|libc-bin|systemd|bash|coreutils|sudo|apt|dpkg|login|passwd|util-linux|"
                        r"linux-image.*|grub.*|init|base-files|python3|glibc|rpm|dnf|yum|pacman|openssh-server|"
                        r"libpam.*|e2fsprogs|mount|tar|gzip|sed|grep|findutils|perl-base|ubuntu-minimal|"
                        r"ubuntu-desktop|kernel.*)(:\w+)?$")
_PACKAGE_REMOVAL = {
    "apt": {"remove", "purge", "autoremove"}, "dnf": {"remove", "erase", "autoremove"},
    "zypper": {"remove", "rm"}, "brew": {"uninstall", "remove", "rm"}, "pip": {"uninstall"},
    "npm": {"uninstall", "remove", "rm", "un", "unlink"}, "snap": {"remove"}, "conda": {"remove", "uninstall"},
    "mamba": {"remove", "uninstall"}, "apk": {"del"}, "port": {"uninstall"}, "gem": {"uninstall"},
    "yarn": {"remove"}, "pnpm": {"remove", "rm", "uninstall"}, "cargo": {"uninstall"}, "flatpak": {"uninstall"},
    "dpkg": {"-r", "--remove", "-P", "--purge"}, "rpm": {"-e", "--erase"}, "pipx": {"uninstall", "uninstall-all"},
    "choco": {"uninstall"}, "winget": {"uninstall"}, "nix-env": {"-e", "--uninstall"},
}


def packages(cmd: Cmd) -> None:
    verbs = _PACKAGE_REMOVAL.get(cmd.name, set())
    words = cmd.argv[1:]
    if cmd.name == "pacman":
        if any(w.startswith("-R") for w in words):
            removing = True
        else:
            return
    else:
        removing = any(w in verbs for w in words[:3])
    if not removing:
        return
    targets = [w for w in cmd.operands if w not in verbs]
    essential = [t for t in targets if _ESSENTIAL.match(t)]
    if essential and cmd.name not in ("pip", "npm", "yarn", "pnpm", "cargo", "gem", "brew", "conda", "mamba", "pipx"):
        cmd.add("dangerous", f"removes {essential[0]}, a package the system needs to run")
    cmd.add("caution", f"removes installed packages ({cmd.name})")
    if cmd.has("--nodeps", "--force-depends", "--force-remove-essential", "--force-all") or "-Rdd" in words:
        cmd.add("caution", "removes packages while ignoring what depends on them")


# --- security, accounts, kernel, disks --------------------------------------------------------------------------

def security(cmd: Cmd) -> None:
    name = cmd.name
    args = cmd.argv[1:]
    if name in ("iptables", "ip6tables", "nft", "ufw", "firewall-cmd", "setenforce", "pfctl"):
        turns_off = (
            (name in ("iptables", "ip6tables") and any(a in ("-F", "--flush", "-X", "-P") for a in args))
            or (name == "ufw" and args[:1] in (["disable"], ["reset"]))
            or (name == "setenforce" and args[:1] == ["0"])
            or (name == "nft" and "flush" in args) or (name == "pfctl" and "-d" in args))
        if turns_off:
            cmd.add("caution", f"turns off or clears the firewall or security policy ({name})")
        else:
            cmd.add("caution", f"changes system security or accounts ({name})")
        return
    if name == "useradd" or name == "adduser":
        if ("-o" in args and any(v == "0" for v in cmd.values("-u", "--uid"))) or any(
                v == "0" for v in cmd.values("-u", "--uid")):
            cmd.add("dangerous", "creates a second root account (user id 0)")
        elif any(v in ("sudo", "wheel", "admin", "root") for v in cmd.values("-G", "--groups", "-g")):
            cmd.add("caution", "creates an account with root rights")
        else:
            cmd.add("caution", f"changes system security or accounts ({name})")
        return
    if name == "usermod":
        if any(v == "0" for v in cmd.values("-u", "--uid")):
            cmd.add("dangerous", "gives an account root's user id (0)")
        elif any(set(v.split(",")) & {"sudo", "wheel", "admin", "root", "docker", "disk", "shadow"}
                 for v in cmd.values("-G", "--groups", "-g", "--gid", "-aG")) or "-aG" in args:
            cmd.add("caution", "gives an account root rights (adds it to an admin group)")
        elif cmd.has("-L", "--lock", "-e", "--expiredate", "-s", "--shell"):
            cmd.add("caution", "locks an account or changes its login shell")
        else:
            cmd.add("caution", f"changes system security or accounts ({name})")
        return
    if name in ("passwd",) and cmd.has("-d", "--delete"):
        cmd.add("dangerous", "removes an account's password, so anyone can log in as it")
        return
    if name in ("userdel", "deluser", "groupdel") and (cmd.has("-r", "--remove", "--remove-home", "-f")):
        cmd.add("dangerous", "deletes an account and its home folder")
        return
    cmd.add("caution", f"changes system security or accounts ({name})")


def kernel(cmd: Cmd) -> None:
    name = cmd.name
    if name == "sysctl" and not cmd.has("-w", "--write", "-p", "--load", "--system") and not any(
            "=" in a for a in cmd.argv[1:]):
        return
    if name in ("modprobe",) and not cmd.has("-r", "--remove") and not cmd.operands:
        return
    if name == "mount" and not cmd.operands:
        return
    if name == "swapoff" or name == "swapon":
        cmd.add("caution", f"changes swap space ({name})")
        return
    if name == "umount" and any(o.strip().rstrip("/") in ("", "/boot", "/usr", "/home") for o in cmd.operands):
        cmd.add("caution", "unmounts a system file system")
        return
    if name == "kexec" and cmd.has("-e", "--exec"):
        cmd.add("dangerous", "restarts into another kernel at once")
        return
    cmd.add("caution", f"changes the running system ({name})")


def storage(cmd: Cmd) -> None:
    """Volume managers and disk utilities: destroy verbs are dangerous."""
    words = [w.lower() for w in cmd.argv[1:] if not w.startswith("-")]
    destroy = {"destroy", "erasedisk", "erasevolume", "partitiondisk", "luksformat", "erase", "format",
               "zeroisk", "secure-erase", "zap", "zap-all", "wipe", "reformat", "delete", "remove"}
    if cmd.name in ("lvremove", "vgremove", "pvremove", "lvreduce", "flashrom", "nvme", "hdparm", "mdadm", "sg_format",
                    "dmsetup", "efibootmgr", "grub-install", "cryptsetup", "zpool", "zfs", "btrfs", "diskutil",
                    "ceph", "sgdisk"):
        if cmd.name in ("lvremove", "vgremove", "pvremove", "lvreduce", "sg_format") or any(
                w in destroy for w in words) or cmd.has("--security-erase", "--security-erase-enhanced",
                                                       "--zero-superblock", "-w", "--write", "-B", "--delete-bootnum"):
            if cmd.name == "efibootmgr":
                cmd.add("caution", "changes how the machine boots (efibootmgr)")
            elif cmd.name == "flashrom" and not cmd.has("-w", "--write", "-E", "--erase"):
                cmd.add("caution", "reads or probes firmware (flashrom)")
            else:
                cmd.add("dangerous", f"destroys a disk, volume or pool and its data ({cmd.name} {' '.join(words[:2])})")
        elif cmd.name in ("nvme", "hdparm", "diskutil", "zpool", "zfs", "btrfs", "mdadm", "cryptsetup", "grub-install"):
            if any(w in ("rollback", "clear", "unmountdisk", "offline", "detach", "split", "close") for w in words):
                cmd.add("caution", f"changes disks or volumes ({cmd.name} {' '.join(words[:2])})")


def history(cmd: Cmd) -> None:
    if cmd.has("-c", "-d", "-w", "-r") or cmd.has("-p"):
        if cmd.has("-c") or cmd.has("-d"):
            cmd.add("caution", "erases your shell history")


def network_admin(cmd: Cmd) -> None:
    args = cmd.argv[1:]
    text = " ".join(args)
    if (cmd.name == "ip" and re.search(r"\blink\s+set\s+\S+\s+down\b|\broute\s+(del|flush)\b|\baddr\s+flush\b", text)) \
            or (cmd.name == "ifconfig" and args[-1:] == ["down"]) or (cmd.name in ("ifdown",)) or (
            cmd.name == "nmcli" and re.search(r"\b(networking|radio)\s+off\b|\bcon(nection)?\s+(down|delete)\b", text)):
        cmd.add("caution", "takes a network connection down; you may lose access to this machine")


def launchctl(cmd: Cmd) -> None:
    if any(w in ("load", "bootstrap", "enable", "submit") for w in cmd.argv[1:3]):
        cmd.add("caution", "makes a program start by itself (launchctl)")
    elif any(w in ("unload", "bootout", "remove", "disable") for w in cmd.argv[1:3]):
        cmd.add("caution", "stops a background service (launchctl)")


# --- keys -------------------------------------------------------------------------------------------------------

#: ssh-keygen options that only read, list or test keys.
_KEYGEN_READS = {"-l", "-y", "-e", "-i", "-F", "-R", "-H", "-B", "-Q", "-L", "-D", "-Y", "-k"}


def ssh_keygen(cmd: Cmd) -> None:
    """Making a key with ``-f`` onto an existing key replaces it (``<<< y`` answers the "overwrite?" question)."""
    if cmd.flags & _KEYGEN_READS:
        return
    for target in cmd.values("-f"):
        info = important_file(target, cmd.where)
        if info is None or info.kind != "secret":
            continue
        if cmd.has("-p"):
            cmd.add("caution", f"changes the passphrase of {target}")
        elif cmd.stdin is not None and not cmd.stdin.empty:
            cmd.add("dangerous", f"replaces your key {target}, answering yes to the overwrite question")
        else:
            cmd.add("caution", f"replaces your key {target} if it exists and you answer yes")


def output_file(cmd: Cmd) -> None:
    """Programs that write a file named by an option or a position, judged like a redirect to it:
    ``openssl ... -out F``, ``uniq IN OUT``, ``patch F`` / ``patch -o F``, ``xxd -r IN OUT``."""
    targets: list[str] = []
    if cmd.name == "openssl":
        targets = cmd.values("-out")
    elif cmd.name == "uniq":
        ops = cmd.operands_skipping({"-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"})
        targets = ops[1:2]
    elif cmd.name == "xxd":
        targets = cmd.operands[1:2]
    elif cmd.name == "patch":
        value_options = {"-p", "-i", "--input", "-d", "--directory", "-D", "-F", "-r", "-z", "-B", "-V", "-Y", "-o",
                         "--output"}
        targets = cmd.values("-o", "--output") or cmd.operands_skipping(value_options)[:1]
    for target in targets:
        writes_important(cmd, target)


def writes_important(cmd: Cmd, target: str, content: Source | None = None) -> None:
    """A file an option names as output, judged like a redirect when it is a device, an important file or in a
    system folder (``tar -cf ~/.bashrc``); an everyday output file (``tar -czf backup.tgz``) says nothing."""
    from .paths import important_file, system_path

    if target in ("-", "/dev/stdout"):
        return
    if BLOCK_DEVICE.match(target) or important_file(target, cmd.where) or system_path(target, cmd.where):
        cmd.check.write(cmd, target, append=False, content=content)


def gpg(cmd: Cmd) -> None:
    """Private keys printed (and so possibly piped elsewhere or saved in the notebook) or deleted; the output
    file (``-o``) written."""
    if cmd.has("--export-secret-keys", "--export-secret-subkeys"):
        cmd.add("caution", "prints your GPG private keys")
    for out in cmd.values("-o", "--output"):
        writes_important(cmd, out)
    if cmd.has("--delete-secret-keys", "--delete-secret-and-public-key", "--delete-keys"):
        cmd.add("dangerous", "deletes GPG keys, which cannot be recovered")
