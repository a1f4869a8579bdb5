{#- Included by the DR scripts (not rendered on its own): the recipient, the
    output file and the tool check they share. Expects `default_out` (a shell
    word) and `tools` (a list of commands) to be set by the including script. -#}
site_recipient={{ (dr.age_recipient or "")|tojson }}
recipient=${HEARTH_AGE_RECIPIENT:-$site_recipient}
out={{ default_out }}
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --recipient) recipient=${2:?--recipient needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -z "$recipient" ]; then
  echo "no age recipient: pass --recipient age1..., set HEARTH_AGE_RECIPIENT, or [dr] age_recipient in site.toml" >&2
  exit 2
fi
for tool in {{ tools|join(" ") }}; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
