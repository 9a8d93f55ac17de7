/**
 * Widely published default user/password pairs of IoT devices: the 62 pairs the Mirai botnet's
 * scanner tried (its source, published in 2016, scanner.c), less one vulgar pair, plus common
 * vendor defaults (Raspberry Pi OS before 2022, Ubiquiti, generic service accounts). What an
 * attacker tries first; a profile adds its own vendor's.
 */
export interface Credential {
  user: string;
  password: string;
}

const PAIRS = `
root:xc3511 root:vizxv root:admin admin:admin root:888888 root:xmhdipc root:default root:juantech
root:123456 root:54321 support:support root: admin:password root:root root:12345 user:user admin:
root:pass admin:admin1234 root:1111 admin:smcadmin admin:1111 root:666666 root:password root:1234
root:klv123 Administrator:admin service:service supervisor:supervisor guest:guest guest:12345
admin1:password administrator:1234 666666:666666 888888:888888 ubnt:ubnt root:klv1234 root:Zte521
root:hi3518 root:jvbzd root:anko root:zlxx. root:7ujMko0vizxv root:7ujMko0admin root:system root:ikwb
root:dreambox root:user root:realtek root:00000000 admin:1111111 admin:1234 admin:12345 admin:54321
admin:123456 admin:7ujMko0admin admin:pass admin:meinsm tech:tech pi:raspberry admin:changeme
`;

export const BUILT_IN_DEFAULTS: readonly Credential[] = PAIRS.trim()
  .split(/\s+/)
  .map((pair) => {
    const at = pair.indexOf(':');
    return { user: pair.slice(0, at), password: pair.slice(at + 1) };
  });
