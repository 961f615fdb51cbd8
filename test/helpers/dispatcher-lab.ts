/**
 * A lab of one balancer probing two destinations on random loopback ports (`balancer` on `pp`;
 * `media` answers on `pm`; nobody on `pd`): the dispatcher's states as a probe's answer changes them.
 */
export function probingLabYaml(pp: number, pm: number, pd: number, description: string): string {
  return `name: ds-lab
description: ${description}
nodes:
  - name: balancer
    role: proxy
    address: 127.0.0.1:${pp}
    dispatcher: |
      1 sip:127.0.0.1:${pm} 9 5 weight=50
      1 sip:127.0.0.1:${pd} 9 1
    script: |
      modparam("tm", "fr_timer", 500)
      modparam("dispatcher", "ds_ping_interval", 1)
      modparam("dispatcher", "ds_probing_mode", 2)
      request_route { sl_send_reply("404", "Nothing here"); }
  - { name: media, role: ua, address: '127.0.0.1:${pm}', aor: 'sip:media@127.0.0.1' }
`;
}
