/** The tested recipe from docs/fencing.md §3, parameterised by directory, port and credentials. */

/** ipmi_sim reads these as quoted strings; keep test credentials to a safe alphabet. */
const SAFE = /^[A-Za-z0-9._-]+$/;

export function lanConf(options: { dir: string; port: number; user: string; password: string }): string {
  for (const [what, value] of [
    ['user', options.user],
    ['password', options.password],
  ] as const) {
    if (!SAFE.test(value) || value.length > 16)
      throw new Error(`ipmi_sim ${what} must match ${SAFE} and be ≤16 chars`);
  }
  return [
    'name "vigil-test-bmc"',
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${options.port}`,
    '    priv_limit admin',
    '    allowed_auths_callback none md2 md5 straight',
    '    allowed_auths_user none md2 md5 straight',
    '    allowed_auths_operator none md2 md5 straight',
    '    allowed_auths_admin none md2 md5 straight',
    '    guid a123456789abcdefa123456789abcdef',
    '  endlan',
    `  chassis_control "${options.dir}/chassis.sh"`,
    '  user 1 true  ""      "test"   user  10 none md2 md5 straight',
    `  user 2 true  "${options.user}" "${options.password}" admin 10 none md2 md5 straight`,
    '',
  ].join('\n');
}

export const BMC_EMU = [
  'mc_setbmc 0x20',
  'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
  'sel_enable 0x20 1000 0x0a',
  'mc_enable 0x20',
  '',
].join('\n');

/** The doc's chassis.sh, plus one line per invocation in `calls` so tests can see what the BMC was asked. */
export function chassisScript(dir: string): string {
  return `#!/bin/sh
STATE=${dir}/power
echo "$*" >> ${dir}/calls
[ -f ${dir}/fail ] && exit 1
case "$1" in
  get) shift; for item in "$@"; do
         [ "$item" = power ] && echo "power:$(cat $STATE 2>/dev/null || echo 0)"; done ;;
  set) shift; while [ $# -ge 2 ]; do
         [ "$1" = power ] && echo "$2" > $STATE; shift 2; done ;;
esac
exit 0
`;
}
