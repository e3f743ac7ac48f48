/**
 * The project's nftables table (`ip kitten`) inside the rootless namespace: one masquerade rule
 * per non-internal subnet (instead of the bridge plugin's per-container ipMasq iptables chains,
 * which cost 20–100 ms per container — research/rootless-spike.md §2) and forward rules that
 * keep networks apart, as docker's DOCKER-ISOLATION chains do: traffic routed from one kitten
 * bridge to another is dropped, and an internal network forwards nothing in or out.
 * The whole table is rebuilt from the network list in one atomic `nft -f` transaction.
 */
import { mustExec } from "./exec.ts";

export const NFT_TABLE = "kitten";

export interface FirewallNetwork {
  key: string;
  bridge: string;
  subnet: string;
  internal: boolean;
}

export function renderRuleset(networks: FirewallNetwork[]): string {
  // "table + delete table" makes the transaction valid whether or not the table exists
  const lines = [`table ip ${NFT_TABLE}`, `delete table ip ${NFT_TABLE}`];
  if (networks.length === 0) return lines.join("\n") + "\n";
  const sorted = [...networks].sort((a, b) => a.key.localeCompare(b.key));
  const q = (s: string) => JSON.stringify(s);
  lines.push(`table ip ${NFT_TABLE} {`, "  chain postrouting {", "    type nat hook postrouting priority srcnat; policy accept;");
  for (const n of sorted) {
    if (!n.internal) lines.push(`    ip saddr ${n.subnet} ip daddr != ${n.subnet} masquerade comment ${q(n.key)}`);
  }
  lines.push("  }", "  chain forward {", "    type filter hook forward priority filter; policy accept;");
  for (const n of sorted) {
    if (n.internal) {
      lines.push(`    iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop comment ${q(n.key)}`);
      lines.push(`    oifname ${q(n.bridge)} iifname != ${q(n.bridge)} drop comment ${q(n.key)}`);
      continue;
    }
    const others = sorted.filter((o) => o.bridge !== n.bridge).map((o) => q(o.bridge));
    if (others.length > 0) lines.push(`    iifname ${q(n.bridge)} oifname { ${others.join(", ")} } drop comment ${q(n.key)}`);
  }
  lines.push("  }", "}");
  return lines.join("\n") + "\n";
}

export async function applyRuleset(networks: FirewallNetwork[]): Promise<void> {
  await mustExec(["nft", "-f", "-"], { stdin: renderRuleset(networks) });
}
