// The passphrase-protected key of the web's built-in account: keystore v3 as the specification's vectors define it.
import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { decryptKeystore, encryptKeystore, type Keystore, KeystoreError } from "../../core/keystore.ts";

/** The Web3 Secret Storage definition's test vectors: password "testpassword", one key, both KDFs. */
const VECTOR_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const PBKDF2_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: "hmac-sha256",
      salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
    },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const SCRYPT_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

async function refusal(promise: Promise<unknown>): Promise<KeystoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(KeystoreError);
    return error as KeystoreError;
  }
  throw new Error("expected a refusal");
}

describe("keystore v3", function () {
  this.timeout(60_000);

  it("opens the specification's PBKDF2 and scrypt vectors", async () => {
    expect(await decryptKeystore(PBKDF2_VECTOR, "testpassword")).to.equal(VECTOR_KEY);
    expect(await decryptKeystore(SCRYPT_VECTOR, "testpassword")).to.equal(VECTOR_KEY);
  });

  it("round-trips a new key and writes what wallets read", async () => {
    const key = generatePrivateKey();
    const keystore = await encryptKeystore(key, "陈 绣娘 2026", 1_000);
    expect(keystore.version).to.equal(3);
    expect(keystore.address).to.equal(privateKeyToAddress(key).slice(2).toLowerCase());
    expect(keystore.crypto.kdf).to.equal("pbkdf2");
    expect(keystore.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keystore.crypto.ciphertext).to.not.contain(key.slice(2, 20));
    // Through JSON, as a file exported and imported again.
    expect(await decryptKeystore(JSON.parse(JSON.stringify(keystore)), "陈 绣娘 2026")).to.equal(key);
    // Two encryptions of one key share no salt, IV or ciphertext.
    const again = await encryptKeystore(key, "陈 绣娘 2026", 1_000);
    expect(again.crypto.ciphertext).to.not.equal(keystore.crypto.ciphertext);
  });

  it("tells a wrong passphrase from a damaged or hostile file", async () => {
    const keystore = await encryptKeystore(generatePrivateKey(), "right", 1_000);
    expect((await refusal(decryptKeystore(keystore, "wrong"))).code).to.equal("WrongPassphrase");
    expect((await refusal(decryptKeystore(PBKDF2_VECTOR, "testpassword "))).code).to.equal("WrongPassphrase");

    const damaged = { ...keystore, crypto: { ...keystore.crypto, ciphertext: "zz" } };
    const e1 = await refusal(decryptKeystore(damaged, "right"));
    expect([e1.code, e1.message]).to.deep.equal([
      "Invalid",
      "not a keystore: crypto.ciphertext is not 32 bytes of hex",
    ]);

    const otherAddress = { ...keystore, address: "00".repeat(20) };
    expect((await refusal(decryptKeystore(otherAddress, "right"))).message).to.contain("address is not its key's");

    expect((await refusal(decryptKeystore({ ...keystore, version: 1 }, "right"))).code).to.equal("Unsupported");
    expect((await refusal(decryptKeystore("0x12", "right"))).code).to.equal("Invalid");

    // A file asking for minutes of hashing or gigabytes of memory is refused before any is spent.
    const slow = {
      ...keystore,
      crypto: { ...keystore.crypto, kdfparams: { ...keystore.crypto.kdfparams, c: 2 ** 40 } },
    };
    expect((await refusal(decryptKeystore(slow, "right"))).message).to.equal("not a keystore: crypto.kdfparams.c");
    const huge = {
      ...SCRYPT_VECTOR,
      crypto: { ...SCRYPT_VECTOR.crypto, kdfparams: { ...SCRYPT_VECTOR.crypto.kdfparams, n: 2 ** 22, r: 8 } },
    };
    const e2 = await refusal(decryptKeystore(huge, "testpassword"));
    expect([e2.code, e2.message]).to.deep.equal(["Unsupported", "crypto.kdfparams need too much memory"]);
  });

  it("decrypts what it encrypts with the default strength", async () => {
    const key: Hex = generatePrivateKey();
    const keystore: Keystore = await encryptKeystore(key, "passphrase");
    expect(keystore.crypto.kdf === "pbkdf2" && keystore.crypto.kdfparams.c).to.equal(600_000);
    expect(await decryptKeystore(keystore, "passphrase")).to.equal(key);
  });
});
