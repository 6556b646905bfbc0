import { BlockList, isIP } from "node:net";

/** An address family as node:net names it. */
export type AddressFamily = "ipv4" | "ipv6";

/** A normalized peer address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) becomes IPv4, zone ids are dropped. */
export interface PeerAddress {
  readonly address: string;
  readonly family: AddressFamily;
}

/**
 * normalizePeerAddress turns a socket's remoteAddress into a PeerAddress, or undefined when it is missing or
 * not an IP address (a socket that is already closed).
 */
export function normalizePeerAddress(raw: string | undefined): PeerAddress | undefined {
  if (raw === undefined) {
    return undefined;
  }
  let address = raw.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) {
    address = mapped[1];
  }
  const version = isIP(address);
  if (version === 0) {
    return undefined;
  }
  return { address, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * AddressMatcher matches peers against a list of IP addresses and CIDR blocks, IPv4 and IPv6
 * (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`, `::1`).
 */
export class AddressMatcher {
  /** The entries as given, for display. */
  readonly entries: readonly string[];
  readonly #list = new BlockList();

  /** Parses the entries; an entry that is neither an address nor a CIDR throws an Error naming it. */
  constructor(entries: readonly string[]) {
    this.entries = [...entries];
    for (const entry of entries) {
      this.#add(entry);
    }
  }

  /** matches tells whether the peer address is one of the entries or inside one of the blocks. */
  matches(peer: PeerAddress): boolean {
    return this.#list.check(peer.address, peer.family);
  }

  #add(entry: string): void {
    const [rawAddress = "", prefixText, extra] = entry.split("/");
    const address = normalizePeerAddress(rawAddress);
    if (address === undefined || extra !== undefined) {
      throw new Error(`invalid IP address or CIDR "${entry}"`);
    }
    if (prefixText === undefined) {
      this.#list.addAddress(address.address, address.family);
      return;
    }
    const maxPrefix = address.family === "ipv4" ? 32 : 128;
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) was normalized to IPv4; shift its prefix accordingly.
    const shifted = address.family === "ipv4" && isIP(rawAddress) === 6 ? prefix - 96 : prefix;
    if (!(shifted >= 0 && shifted <= maxPrefix)) {
      throw new Error(`invalid prefix length in CIDR "${entry}"`);
    }
    this.#list.addSubnet(address.address, shifted, address.family);
  }
}

const loopback = new AddressMatcher(["127.0.0.0/8", "::1"]);

/** isLoopback tells whether the peer is 127.0.0.0/8, `::1` or an IPv4-mapped loopback address. */
export function isLoopback(peer: PeerAddress): boolean {
  return loopback.matches(peer);
}
