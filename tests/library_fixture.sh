# The scratch project the example library's commands run in (tests/test_retrieval.py), built inside bubblewrap:
# /home/dev/project with text, logs, CSV/JSON data, archives, scripts, links, old and new files and a small git
# history (two branches, a tag, a staged and an unstaged change). Commands' file names refer to these files.
set -e
export TZ=UTC HOME=/home/dev
P=/home/dev/project
mkdir -p $P && cd $P
mkdir -p src/lib/__pycache__ tests logs/old build docs/images images emptydir tmp scripts .cache release/v1 release/v2 /home/dev/Downloads
cat > README.md <<'T'
# Demo project
A small project used to try shell commands.
TODO: write the install section
See docs/guide.md for details.
T
cat > notes.txt <<'T'
Meeting notes for the release
TODO: update the changelog
The build failed with an error on Monday
error: missing dependency libfoo

Fixed the error by pinning libfoo
TODO: tell the team
apple banana cherry
apple banana cherry
the quick brown fox jumps over the lazy dog
Errors were rare after that  
final line of the notes
T
printf 'buy milk\nfix the login bug\nreview pull request 42\n' > todo.txt
cat > data.csv <<'T'
id,name,dept,salary,city
1,Alice,engineering,85000,Berlin
2,Bob,sales,52000,Paris
3,Carol,engineering,92000,Berlin
4,Dan,marketing,61000,London
5,Eve,sales,58000,Paris
6,Frank,engineering,78000,London
7,Grace,marketing,66000,Berlin
T
tr ',' '\t' < data.csv > data.tsv
printf 'alice 90\nbob 72\ncarol 85\ndan 64\neve 99\nfrank 72\n' > scores.txt
printf 'zoe\nadam\nmia\nadam\nliam\nzoe\nzoe\nemma\n' > names.txt
printf 'apple\nbanana\ncherry\ngrape\n' > list1.txt
printf 'banana\ncherry\nkiwi\nmango\n' > list2.txt
printf '1 alice\n2 bob\n3 carol\n' > ids.txt
printf '1 engineering\n2 sales\n3 marketing\n' > depts.txt
cat > config.yaml <<'T'
server:
  host: 0.0.0.0
  port: 8080
debug: false
T
printf '[database]\nhost = localhost\nport = 5432\npassword = changeme\n' > settings.ini
printf 'API_URL=https://api.example.com\nDEBUG=1\n' > .env
printf '*.pyc\n__pycache__/\nbuild/\n' > .gitignore
printf 'import os\nimport sys\n\n\ndef main():\n\t# TODO: parse arguments\n\tprint("hello")\n\n\nif __name__ == "__main__":\n\tmain()\n' > src/main.py
printf 'import os\n\n\ndef read_config(path):\n    with open(path) as f:\n        return f.read()\n\n\ndef helper():\n    return 42\n' > src/utils.py
printf 'const x = 1;\nconsole.log("start");\nfunction add(a, b) {\n  return a + b;\n}\nconsole.log(add(x, 2));\n' > src/app.js
printf 'def slugify(text):\n    return text.lower().replace(" ", "-")\n' > src/lib/helpers.py
printf 'binary' > src/lib/__pycache__/helpers.cpython-311.pyc
printf 'body { color: black; }\n' > src/style.css
printf '<html><body><h1>Hi</h1><a href="https://example.com/docs">docs</a></body></html>\n' > src/index.html
printf 'old code\n' > src/old.py.bak
printf 'from src.utils import helper\n\n\ndef test_helper():\n    assert helper() == 42\n' > tests/test_utils.py
for i in $(seq 1 40); do
  h=$(printf '%02d' $((i % 24)))
  case $((i % 5)) in
    0) echo "2025-01-05 $h:00:01 ERROR database connection timed out from 10.0.0.$((i % 7))";;
    1) echo "2025-01-05 $h:00:02 WARN disk usage at 85% on 10.0.0.$((i % 7))";;
    *) echo "2025-01-05 $h:00:03 INFO user$((i % 4)) logged in from 10.0.0.$((i % 7))";;
  esac
done > logs/app.log
grep ERROR logs/app.log > logs/error.log
for i in $(seq 1 30); do
  codes=(200 200 404 500 200 301); c=${codes[$((i % 6))]}
  pages=(/index.html /about /api/users /login /static/app.js); pg=${pages[$((i % 5))]}
  echo "192.168.1.$((i % 6)) - - [05/Jan/2025:10:$(printf '%02d' $i):00 +0000] \"GET $pg HTTP/1.1\" $c $((i * 37))"
done > logs/access.log
printf '2024-03-01 INFO old entry\n' > logs/old/app-2024.log
printf '2023-03-01 ERROR ancient failure\n2023-03-02 INFO ancient entry\n' > logs/old/app-2023.log && gzip logs/old/app-2023.log
printf 'obj' > build/main.o; printf 'obj2' > build/util.o
cp /usr/bin/true build/app
printf '# Guide\nInstall with make.\n' > docs/guide.md
printf '# API\nGET /users returns users.\n' > docs/api.md
printf 'minutes of the kickoff\n' > 'docs/meeting notes.txt'
printf '\x89PNG\r\n\x1a\nfake' > docs/images/diagram.png
printf '\x89PNG\r\n\x1a\nlogo' > images/logo.png
head -c 150000 /dev/urandom > images/photo1.jpg
head -c 60000 /dev/urandom > images/photo2.jpg
printf '\x89PNG\r\n\x1a\nbanner' > images/Banner.PNG
head -c 3000 /dev/urandom > images/scan.jpeg
: > empty.txt
printf 'stale' > tmp/cache.tmp && chmod 666 tmp/cache.tmp
printf 'key' > secret.key && chmod 600 secret.key
printf '#!/bin/sh\necho all\n' > scripts/run-all.sh && chmod 777 scripts/run-all.sh
printf 'cached' > .cache/index.db
printf '#!/bin/bash\necho deploying\n' > scripts/deploy.sh && chmod +x scripts/deploy.sh
printf '#!/bin/bash\ntar -czf backup.tar.gz docs\n' > scripts/backup.sh
ln -s notes.txt notes-link
ln -s missing.txt broken-link
printf 'version=1\nname=demo\n' > release/v1/app.conf
printf 'version=2\nname=demo\n' > release/v2/app.conf
printf 'same\n' > release/v1/common.txt; printf 'same\n' > release/v2/common.txt
printf 'only v2\n' > release/v2/extra.txt
zip -qr backup.zip scripts
printf '{"name": "demo", "version": "1.2.0", "items": [{"id": 1, "tag": "a"}, {"id": 2, "tag": "b"}]}\n' > data.json
head -c 1200000 /dev/urandom > firmware.bin
head -c 300000 /dev/urandom > sample.bin
sha256sum data.csv notes.txt > SHA256SUMS
md5sum data.csv notes.txt > checksums.md5
printf 'report line one\nreport line two\n' > report.txt
xz -k report.txt
printf '1.10.0\n1.2.0\n1.9.3\n2.0.0\n1.2.10\n' > versions.txt
printf 'Alice <alice@example.com>\nsupport: help@demo.org, sales@demo.org\nno address here\n' > contacts.txt
printf 'line one\r\nline two\r\n' > windows.txt
printf 'logs/app.log\ndata.csv\n' > filelist.txt
printf 'alias ll="ls -l"\nexport EDITOR=vim\n' > /home/dev/.bashrc
printf 'downloaded' > /home/dev/Downloads/setup.tar.gz
touch -d '2024-01-01 12:00' tmp/cache.tmp logs/old/app-2024.log logs/old/app-2023.log.gz src/old.py.bak release/v1/app.conf
touch -d '2024-06-01 12:00' scripts/backup.sh docs/api.md
tar -czf archive.tar.gz docs
git init -q -b main .
git config user.name 'Dev One'; git config user.email dev1@example.com
git add README.md src tests docs data.csv config.yaml .gitignore
GIT_AUTHOR_DATE='2025-01-02T10:00:00' GIT_COMMITTER_DATE='2025-01-02T10:00:00' git commit -qm 'Initial commit'
echo 'More notes' >> README.md; git add README.md
GIT_AUTHOR_DATE='2025-01-03T10:00:00' GIT_COMMITTER_DATE='2025-01-03T10:00:00' git commit -qm 'Fix typo in README'
git tag v1.0
git checkout -qb feature/login
echo 'def login(): pass' >> src/utils.py; git add src/utils.py
git -c user.name='Dev Two' -c user.email=dev2@example.com commit -qm 'Add login stub'
git checkout -q main
git add notes.txt todo.txt
GIT_AUTHOR_DATE='2025-01-04T10:00:00' GIT_COMMITTER_DATE='2025-01-04T10:00:00' git commit -qm 'Add notes and todo list'
echo 'pending change' >> README.md
echo 'timeout: 30' >> config.yaml
