/**
 * Floors a node command can meet (issue 18, item 7): what any node CLI doing the same git work
 * would pay, measured in the same run as our command. Each is `node -e 0` (the start-up of a
 * node process) followed by the git plumbing our command cannot avoid, run from a shell:
 *
 * - rollout of N components: writing the N tag objects in one `git hash-object -w --stdin-paths`
 *   and moving the N refs and N tags in one `git update-ref --stdin` transaction;
 * - promotion-status: the one `git for-each-ref` of the records, index refs and tag names, and
 *   the one `git cat-file --batch` of the status index objects.
 *
 * The comparisons with a bare `git for-each-ref` and with the spec's shell loop stay in the
 * tables as context; the targets use these floors.
 */

/** Arguments: deployment, target, commit SHA, timestamp, then the component names. */
export const ROLLOUT_FLOOR = `set -e
node -e 0
d="$1"; t="$2"; sha="$3"; ts="$4"; shift 4
dir=$(mktemp -d)
i=0
for c in "$@"; do
  name="atmos/deployments/$d/$t/$c/$ts"
  printf 'object %s\\ntype commit\\ntag %s\\ntagger Bench <bench@example.com> 1748736000 +0000\\n\\natmos.tools/v1alpha1\\nkind: Deployment\\n---\\ndeployment: %s\\ntarget: %s\\ncomponent: %s\\ndeployed_by: bench@example.com\\nbuild_id: bench\\ngit_sha: %s\\ntimestamp: %s\\nstatus: success\\n' \\
    "$sha" "$name" "$d" "$t" "$c" "$sha" "$ts" > "$dir/$i"
  echo "$dir/$i" >> "$dir/paths"
  echo "$name" >> "$dir/names"
  echo "$c" >> "$dir/components"
  i=$((i+1))
done
git hash-object -t tag -w --stdin-paths < "$dir/paths" > "$dir/shas"
paste -d' ' "$dir/components" "$dir/names" "$dir/shas" | while read -r c name tagsha; do
  echo "update refs/atmos/deployments/$d/$t/$c $sha"
  echo "create refs/tags/$name $tagsha"
done > "$dir/stdin"
git update-ref --stdin < "$dir/stdin"
rm -rf "$dir"`;

/**
 * Arguments: the three ref prefixes the command lists, then a file with the index objects'
 * names (one a line, read before timing: the command learns them from the same listing).
 */
export const STATUS_FLOOR = `set -e
node -e 0
git for-each-ref --format='%(objectname) %(refname)' -- "$1" "$2" "$3" > /dev/null
git cat-file --batch < "$4" > /dev/null`;
